//! Postmark's `POST /email` (postmarkapp.com/developer/api/email-api): the server token in
//! `X-Postmark-Server-Token`, recipients comma-separated, the transactional stream `outbound`.
//! Postmark has no idempotency key; the Message-ID header marks a retry.

use serde_json::json;

use super::api::ApiRequest;
use super::message::Outgoing;

pub(super) fn request(outgoing: &Outgoing<'_>) -> ApiRequest {
    let email = outgoing.email;
    let mut body = json!({
        "From": outgoing.from,
        "To": email.to.join(", "),
        "Subject": email.subject,
        "MessageStream": "outbound",
        "Headers": [{"Name": "Message-ID", "Value": outgoing.message_id}],
    });
    for (key, list) in [("Cc", &email.cc), ("Bcc", &email.bcc)] {
        if !list.is_empty() {
            body[key] = json!(list.join(", "));
        }
    }
    if let Some(text) = &email.text {
        body["TextBody"] = json!(text);
    }
    if let Some(html) = &email.html {
        body["HtmlBody"] = json!(html);
    }
    ApiRequest { path: "/email", idempotency_key: None, body }
}
