//! Resend, SendGrid and Postmark against loopback fakes that check each request as the provider
//! documents it (method, path, auth header, JSON body), retries after 429 and 5xx with the same
//! idempotency key and Message-ID, on a paused clock; and no API key in any error or Debug form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use omnera_automation::connections::mail::{MailApi, MailApiMailer};
use omnera_core::backend::{Email, Mailer};
use serde_json::{Value, json};

const KEY: &str = "key-that-must-stay-secret-4f9a";

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// An answer of the fake: its status and its `Retry-After`.
type Answer = (StatusCode, Option<&'static str>);

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The answers to give, in order; then 200.
    answers: Arc<Mutex<Vec<Answer>>>,
}

async fn record(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    let body = serde_json::from_str(&body).unwrap_or(Value::Null);
    fake.seen.lock().unwrap().push(Seen { method, path: uri.path().to_owned(), headers, body });
    let next = {
        let mut answers = fake.answers.lock().unwrap();
        (!answers.is_empty()).then(|| answers.remove(0))
    };
    match next {
        Some((status, retry_after)) => {
            let mut headers = HeaderMap::new();
            if let Some(seconds) = retry_after {
                headers.insert("retry-after", seconds.parse().unwrap());
            }
            (status, headers, format!(r#"{{"message": "try later; your key was {KEY}"}}"#)).into_response()
        }
        None => (StatusCode::OK, r#"{"id": "sent"}"#).into_response(),
    }
}

async fn fake(answers: Vec<Answer>) -> (Fake, String) {
    let fake = Fake { answers: Arc::new(Mutex::new(answers)), ..Fake::default() };
    let router = Router::new().fallback(record).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (fake, format!("http://{address}"))
}

fn email() -> Email {
    let mut email = Email::new("Bob Stone <bob@example.org>", "Your invoice", "Plain words");
    email.cc = vec!["carol@example.org".to_owned()];
    email.html = Some("<p>Rich words</p>".to_owned());
    email
}

async fn send_once(api: MailApi) -> Seen {
    let (fake, base) = fake(Vec::new()).await;
    let mailer = MailApiMailer::new(api, KEY, "CRM <crm@mail.example.com>").unwrap().with_base_url(base);
    mailer.send(&email().with_id("invoice-77")).await.unwrap();
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    seen[0].clone()
}

#[tokio::test]
async fn resend_gets_its_documented_request() {
    let seen = send_once(MailApi::Resend).await;
    assert_eq!(seen.path, "/emails");
    assert_eq!(seen.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(seen.header("idempotency-key"), Some("invoice-77"));
    assert!(
        seen.header("user-agent").is_some_and(|agent| agent.starts_with("omnera/")),
        "Resend refuses requests without one"
    );
    assert_eq!(
        seen.body,
        json!({
            "from": "CRM <crm@mail.example.com>",
            "to": ["Bob Stone <bob@example.org>"],
            "cc": ["carol@example.org"],
            "subject": "Your invoice",
            "text": "Plain words",
            "html": "<p>Rich words</p>",
            "headers": {"Message-ID": "<invoice-77@mail.example.com>"},
        })
    );
}

#[tokio::test]
async fn sendgrid_gets_its_documented_request() {
    let seen = send_once(MailApi::Sendgrid).await;
    assert_eq!(seen.path, "/v3/mail/send");
    assert_eq!(seen.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(
        seen.body,
        json!({
            "personalizations": [{
                "to": [{"email": "bob@example.org", "name": "Bob Stone"}],
                "cc": [{"email": "carol@example.org"}],
            }],
            "from": {"email": "crm@mail.example.com", "name": "CRM"},
            "subject": "Your invoice",
            "content": [
                {"type": "text/plain", "value": "Plain words"},
                {"type": "text/html", "value": "<p>Rich words</p>"},
            ],
            "headers": {"Message-ID": "<invoice-77@mail.example.com>"},
        })
    );
}

#[tokio::test]
async fn postmark_gets_its_documented_request() {
    let seen = send_once(MailApi::Postmark).await;
    assert_eq!(seen.path, "/email");
    assert_eq!(seen.header("x-postmark-server-token"), Some(KEY));
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(
        seen.body,
        json!({
            "From": "CRM <crm@mail.example.com>",
            "To": "Bob Stone <bob@example.org>",
            "Cc": "carol@example.org",
            "Subject": "Your invoice",
            "TextBody": "Plain words",
            "HtmlBody": "<p>Rich words</p>",
            "MessageStream": "outbound",
            "Headers": [{"Name": "Message-ID", "Value": "<invoice-77@mail.example.com>"}],
        })
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_429_with_retry_after_is_waited_out_and_the_retry_is_the_same_message() {
    let (fake, base) = fake(vec![(StatusCode::TOO_MANY_REQUESTS, Some("2"))]).await;
    let mailer = MailApiMailer::new(MailApi::Resend, KEY, "crm@example.com").unwrap().with_base_url(base);
    let started = tokio::time::Instant::now();
    mailer.send(&email()).await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(2) && waited < Duration::from_secs(3), "waited {waited:?}");
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "the second try succeeds");
    let key = seen[0].header("idempotency-key").unwrap();
    assert_eq!(uuid_version(key), 7, "without an id of its own, the email gets a v7 uuid");
    assert_eq!(seen[1].header("idempotency-key"), Some(key), "the retry is recognised as the same email");
    assert_eq!(seen[0].body["headers"]["Message-ID"], seen[1].body["headers"]["Message-ID"]);
    assert_eq!(seen[0].body["headers"]["Message-ID"], format!("<{key}@example.com>"));

    mailer.send(&email()).await.unwrap();
    let third = fake.seen.lock().unwrap()[2].clone();
    assert_ne!(third.header("idempotency-key"), Some(key), "another send is another email");
}

fn uuid_version(text: &str) -> usize {
    let digits: Vec<char> = text.chars().filter(|c| *c != '-').collect();
    assert_eq!(digits.len(), 32, "{text}");
    digits[12].to_digit(16).unwrap() as usize
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn server_errors_are_retried_with_growing_jittered_waits_then_given_up_without_the_key() {
    let failing = vec![(StatusCode::SERVICE_UNAVAILABLE, None); 10];
    let (fake, base) = fake(failing).await;
    let mailer = MailApiMailer::new(MailApi::Postmark, KEY, "crm@example.com").unwrap().with_base_url(base);
    let started = tokio::time::Instant::now();
    let error = mailer.send(&email()).await.unwrap_err();
    let waited = started.elapsed();
    assert_eq!(fake.seen.lock().unwrap().len(), 4, "a bounded number of tries");
    assert!(
        waited <= Duration::from_millis(500 + 1000 + 2000),
        "full jitter stays under the ceilings: {waited:?}"
    );
    let message = error.to_string();
    assert!(message.contains("postmark answered 503 Service Unavailable"), "{message}");
    assert!(message.contains("after 4 tries"), "{message}");
    assert!(!message.contains(KEY) && !format!("{error:?}").contains(KEY), "{message}");
    assert!(message.contains("***"), "the key the server echoed is masked: {message}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_retry_after_longer_than_a_request_can_wait_ends_the_tries() {
    let (fake, base) = fake(vec![(StatusCode::TOO_MANY_REQUESTS, Some("3600"))]).await;
    let mailer = MailApiMailer::new(MailApi::Sendgrid, KEY, "crm@example.com").unwrap().with_base_url(base);
    let error = mailer.send(&email()).await.unwrap_err();
    assert_eq!(fake.seen.lock().unwrap().len(), 1);
    assert!(error.to_string().contains("asks to wait 3600s"), "{error}");
}

#[tokio::test]
async fn a_refused_email_is_not_retried_and_an_unreachable_api_is_named() {
    let (fake, base) = fake(vec![(StatusCode::UNPROCESSABLE_ENTITY, None)]).await;
    let mailer = MailApiMailer::new(MailApi::Resend, KEY, "crm@example.com").unwrap().with_base_url(base);
    let error = mailer.send(&email()).await.unwrap_err();
    assert_eq!(fake.seen.lock().unwrap().len(), 1, "a 422 will not get better");
    assert!(error.to_string().contains("resend answered 422"), "{error}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mailer = MailApiMailer::new(MailApi::Resend, KEY, "crm@example.com")
        .unwrap()
        .with_base_url(format!("http://{closed}"));
    let error = mailer.send(&email()).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&format!("resend could not be reached at http://{closed}/emails")), "{message}");
    for shown in [message, format!("{error:?}"), format!("{mailer:?}")] {
        assert!(!shown.contains(KEY), "{shown}");
    }
}

#[tokio::test]
async fn a_check_reads_with_the_key_and_sends_nothing() {
    for (api, path, auth) in [
        (MailApi::Resend, "/domains", "authorization"),
        (MailApi::Sendgrid, "/v3/scopes", "authorization"),
        (MailApi::Postmark, "/server", "x-postmark-server-token"),
    ] {
        let (server, base) = fake(Vec::new()).await;
        let mailer = MailApiMailer::new(api, KEY, "crm@example.com").unwrap().with_base_url(base);
        let checked = mailer.check().await.unwrap();
        assert!(checked.is_some_and(|detail| detail.contains(path)), "{api:?}");
        let seen = server.seen.lock().unwrap().clone();
        assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("GET", path));
        assert!(seen[0].header(auth).is_some_and(|value| value.ends_with(KEY)), "{api:?}");

        // A refused key is an unhealthy check that does not show the key.
        let (_, base) = fake(vec![(StatusCode::UNAUTHORIZED, None)]).await;
        let mailer = MailApiMailer::new(api, KEY, "crm@example.com").unwrap().with_base_url(base);
        let refused = mailer.check().await.unwrap_err().to_string();
        assert!(refused.contains("401") && !refused.contains(KEY), "{refused}");
    }
}
