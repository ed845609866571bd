//! Resend's `POST /emails` (resend.com/docs/api-reference/emails/send-email): `Authorization:
//! Bearer <key>`, the email's id as the `Idempotency-Key` (Resend sends a key it has seen in
//! the last 24 hours only once).

use serde_json::json;

use super::api::ApiRequest;
use super::message::Outgoing;

pub(super) fn request(outgoing: &Outgoing<'_>) -> ApiRequest {
    let email = outgoing.email;
    let mut body = json!({
        "from": outgoing.from,
        "to": email.to,
        "subject": email.subject,
        "headers": {"Message-ID": outgoing.message_id},
    });
    for (key, list) in [("cc", &email.cc), ("bcc", &email.bcc)] {
        if !list.is_empty() {
            body[key] = json!(list);
        }
    }
    if let Some(text) = &email.text {
        body["text"] = json!(text);
    }
    if let Some(html) = &email.html {
        body["html"] = json!(html);
    }
    ApiRequest { path: "/emails", idempotency_key: Some(outgoing.id.clone()), body }
}
