//! Auth emails through the mail connection `auth.emailConnection` names, end to end over HTTP on
//! SQLite and PostgreSQL: the codes a user needs arrive at a real SMTP server (aiosmtpd on
//! loopback) and work; with the server down, asking for a reset answers 503 and the log says
//! what failed, without the connection's password, which the app reads from its vault.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../omnera-automation/tests/smtp_server/mod.rs"]
mod smtp_server;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use omnera::automation::MailConnections;
use omnera::http::AppRouter;
use omnera::secrets::{SecretKey, Vault};
use omnera::sql::SqlStorage;
use omnera::{App, Config};
use serde_json::{Value, json};

const PASSWORD: &str = "smtp-password-never-shown-7d1c";

fn config(port: u16, with_password: bool) -> String {
    let credentials =
        if with_password { r#", "username": "club", "password": {"secret": "smtp-password"}"# } else { "" };
    format!(
        r#"{{"name": "Club",
        "connections": [{{"type": "smtp", "name": "club-mail", "host": "127.0.0.1", "port": {port},
                          "security": "none", "from": "Club <club@mail.example.com>"{credentials}}}],
        "auth": {{"signUp": "open", "requireVerifiedEmail": true, "emailConnection": "club-mail"}}}}"#
    )
}

async fn serve(config: &str, database_url: &str) -> String {
    let storage = SqlStorage::connect(database_url).await.unwrap();
    // The SMTP password is read from the app's vault, sealed in its database.
    let vault = Vault::new(SecretKey::generate().unwrap(), storage.clone());
    vault.set("smtp-password", PASSWORD).await.unwrap();
    let app = App::from_config(Config::from_json_str(config).unwrap())
        .with_storage(storage.clone())
        .with_accounts(storage)
        .with_vault(vault)
        .with_connection_mailers(MailConnections::new())
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = app.router().into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    format!("http://{address}")
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Option<String>, Value) {
    let response = reqwest::Client::new().post(format!("{base}{path}")).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|value| value.to_str().unwrap().to_owned());
    (status, content_type, response.json().await.unwrap_or(Value::Null))
}

/// The 64-digit code in the newest of `count` emails to `to`, with its subject.
fn mailed_code(server: &smtp_server::SmtpServer, to: &str, count: usize) -> (String, String) {
    let received = server.messages_to(to, count);
    assert_eq!(received.len(), count, "emails to {to}");
    let newest = received.last().unwrap();
    assert_eq!(smtp_server::header(newest, "From").as_deref(), Some("Club <club@mail.example.com>"));
    let body = smtp_server::body(newest);
    let code = body
        .split_whitespace()
        .find(|word| word.len() == 64 && word.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| panic!("a code in {body}"))
        .to_owned();
    (smtp_server::header(newest, "Subject").unwrap(), code)
}

async fn password_reset_by_email(database_url: &str) {
    let Some(server) = smtp_server::start("password_reset_by_email") else { return };
    let base = serve(&config(server.port, false), database_url).await;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let ann = format!("ann-{nanos}@example.org");

    let (status, _, body) =
        post(&base, "/api/auth/sign-up", json!({"email": ann, "password": "first password"})).await;
    assert_eq!(status, 201, "{body}");
    let (subject, code) = mailed_code(&server, &ann, 1);
    assert!(subject.starts_with("Verify your email address for Club"), "{subject}");
    let (status, _, body) = post(&base, "/api/auth/email/verify", json!({"token": code})).await;
    assert_eq!(status, 200, "{body}");

    let (status, _, _) = post(&base, "/api/auth/password/forgot", json!({"email": ann})).await;
    assert_eq!(status, 204);
    let (subject, code) = mailed_code(&server, &ann, 2);
    assert!(subject.starts_with("Reset your password for Club"), "{subject}");
    let reset = json!({"token": code, "password": "second password"});
    assert_eq!(post(&base, "/api/auth/password/reset", reset).await.0, 204);

    let old = post(&base, "/api/auth/sign-in", json!({"email": ann, "password": "first password"})).await;
    assert_eq!(old.0, 401);
    let (status, _, body) =
        post(&base, "/api/auth/sign-in", json!({"email": ann, "password": "second password"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].is_string(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_email_on_sqlite() {
    password_reset_by_email(&omnera::sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_email_on_postgres() {
    omnera::sql::testing::on_postgres("password reset by email", async |url| {
        password_reset_by_email(&url).await;
    })
    .await;
}

/// Everything the app logs, for the test to read.
fn captured_log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&log);
        let make_writer = move || LogWriter(Arc::clone(&writer));
        tracing_subscriber::fmt().with_writer(make_writer).with_ansi(false).try_init().unwrap();
        log
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_asked_for_while_the_mail_server_is_down_answers_503_and_the_log_says_why() {
    let log = captured_log();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = serve(&config(closed, true), &omnera::sql::testing::sqlite_url()).await;
    let (status, _, body) =
        post(&base, "/api/auth/sign-up", json!({"email": "ann@example.org", "password": "first password"}))
            .await;
    assert_eq!(status, 201, "the account exists even though its email could not go: {body}");

    let (status, content_type, body) =
        post(&base, "/api/auth/password/forgot", json!({"email": "ann@example.org"})).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    assert_eq!(body["status"], 503, "{body}");
    assert!(!body.to_string().contains(PASSWORD), "{body}");

    let logged = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let line = logged
        .lines()
        .find(|line| line.contains("sending an auth email failed"))
        .unwrap_or_else(|| panic!("{logged}"));
    assert!(line.contains(&format!("smtp server 127.0.0.1:{closed} did not take the email")), "{line}");
    assert!(!logged.contains(PASSWORD), "{logged}");
}
