//! SMTP against a real server on loopback (aiosmtpd writing a maildir): what arrives is what a
//! recipient reads, headers and body; a server that is down is a clear error without the password.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod smtp_server;

use omnera_automation::MailConnections;
use omnera_automation::connections::mail::{SmtpMailer, SmtpSettings};
use omnera_core::app::ConnectionMailers;
use omnera_core::backend::{Email, Mailer};
use omnera_core::config::{ConnectionConfig, SmtpSecurity};
use omnera_core::secrets::Secrets;
use smtp_server::{body, header};

const PASSWORD: &str = "smtp-password-that-must-stay-secret";

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{name}-{}-{nanos}@example.org", std::process::id())
}

#[tokio::test]
async fn an_email_arrives_with_its_headers_and_both_bodies() {
    let Some(server) = smtp_server::start("an_email_arrives_with_its_headers_and_both_bodies") else {
        return;
    };
    let to = unique("bob");
    let connection: ConnectionConfig = serde_json::from_value(serde_json::json!({
        "type": "smtp", "name": "mail", "host": "127.0.0.1", "port": server.port, "security": "none",
        "from": "CRM <crm@mail.example.com>"
    }))
    .unwrap();
    let mailer = MailConnections::new().open("mail", &connection, &Secrets::none()).unwrap();
    let mut email =
        Email::new(format!("Bob <{to}>"), "Your invoice 77", "Plain words for Bob.").with_id("invoice-77");
    email.html = Some("<p>Rich words for Bob.</p>".to_owned());
    mailer.send(&email).await.unwrap();
    mailer.send(&Email::new(to.clone(), "A second one", "Through the same pool.")).await.unwrap();

    let received = server.messages_to(&to, 2);
    assert_eq!(received.len(), 2, "both emails arrive");
    let first =
        received.iter().find(|raw| header(raw, "Subject").as_deref() == Some("Your invoice 77")).unwrap();
    assert_eq!(header(first, "From").as_deref(), Some("CRM <crm@mail.example.com>"));
    assert_eq!(header(first, "To"), Some(format!("Bob <{to}>")));
    assert_eq!(header(first, "Message-ID").as_deref(), Some("<invoice-77@mail.example.com>"));
    let text = body(first);
    assert!(text.contains("Plain words for Bob."), "{text}");
    assert!(text.contains("<p>Rich words for Bob.</p>"), "{text}");
    assert!(header(first, "Content-Type").is_some_and(|value| value.starts_with("multipart/alternative")));

    let second =
        received.iter().find(|raw| header(raw, "Subject").as_deref() == Some("A second one")).unwrap();
    let message_id = header(second, "Message-ID").unwrap();
    assert!(message_id.ends_with("@mail.example.com>") && message_id.starts_with('<'), "{message_id}");
    assert!(body(second).contains("Through the same pool."));
}

#[tokio::test]
async fn a_server_that_is_down_is_a_clear_error_without_the_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let settings = SmtpSettings::new("127.0.0.1", "crm@example.com")
        .with_port(closed)
        .with_security(SmtpSecurity::None)
        .with_credentials("crm", PASSWORD);
    assert!(!format!("{settings:?}").contains(PASSWORD));
    let mailer = SmtpMailer::new(settings).unwrap();
    let error = mailer.send(&Email::new("bob@example.org", "Hi", "Hello")).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "mail transport failed: smtp server 127.0.0.1:{closed} did not take the email"
        )),
        "{message}"
    );
    for shown in [message, format!("{error:?}"), format!("{mailer:?}")] {
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
}

#[tokio::test]
async fn starttls_is_required_not_opportunistic() {
    let Some(server) = smtp_server::start("starttls_is_required_not_opportunistic") else { return };
    let to = unique("eve");
    let mailer = SmtpMailer::new(
        SmtpSettings::new("127.0.0.1", "crm@example.com")
            .with_port(server.port)
            .with_security(SmtpSecurity::Starttls),
    )
    .unwrap();
    let error = mailer.send(&Email::new(to.clone(), "Secret", "Not in the clear")).await.unwrap_err();
    assert!(error.to_string().contains("smtp server 127.0.0.1"), "{error}");
    assert!(server.messages_to(&to, 0).is_empty(), "a server without STARTTLS gets nothing in the clear");
}
