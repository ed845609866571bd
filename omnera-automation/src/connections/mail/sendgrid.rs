//! SendGrid's v3 Mail Send, `POST /v3/mail/send` (twilio.com/docs/sendgrid/api-reference/mail-send):
//! `Authorization: Bearer <key>`, recipients in one personalization, the bodies as `content`
//! (text/plain first). SendGrid has no idempotency key; the Message-ID header marks a retry.

use serde_json::{Value, json};

use super::api::ApiRequest;
use super::message::{Outgoing, mailbox};

pub(super) fn request(outgoing: &Outgoing<'_>) -> ApiRequest {
    let email = outgoing.email;
    let mut personalization = json!({"to": addresses(&email.to)});
    for (key, list) in [("cc", &email.cc), ("bcc", &email.bcc)] {
        if !list.is_empty() {
            personalization[key] = addresses(list);
        }
    }
    let mut content = Vec::new();
    if let Some(text) = &email.text {
        content.push(json!({"type": "text/plain", "value": text}));
    }
    if let Some(html) = &email.html {
        content.push(json!({"type": "text/html", "value": html}));
    }
    if content.is_empty() {
        content.push(json!({"type": "text/plain", "value": " "}));
    }
    let body = json!({
        "personalizations": [personalization],
        "from": address(outgoing.from),
        "subject": email.subject,
        "content": content,
        "headers": {"Message-ID": outgoing.message_id},
    });
    ApiRequest { path: "/v3/mail/send", idempotency_key: None, body }
}

/// `{"email", "name"?}` of `Ann <ann@example.com>`.
fn address(text: &str) -> Value {
    match mailbox(text) {
        (Some(name), email) => json!({"email": email, "name": name}),
        (None, email) => json!({"email": email}),
    }
}

fn addresses(list: &[String]) -> Value {
    Value::Array(list.iter().map(|text| address(text)).collect())
}
