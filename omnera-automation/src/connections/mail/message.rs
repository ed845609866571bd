//! What every transport needs of an email before sending it: the sender, a stable id and the
//! `Message-ID` made of them.

use omnera_core::backend::{Email, MailError};

/// An email about to be sent, with its sender and its stable id.
pub(super) struct Outgoing<'a> {
    pub(super) email: &'a Email,
    /// The sender: the email's own, else the connection's `from`.
    pub(super) from: &'a str,
    /// The email's id, or one made for this send; the same on every retry.
    pub(super) id: String,
    /// `<id@domain of the sender>`.
    pub(super) message_id: String,
}

/// The email with its sender and id, or why it cannot be sent.
pub(super) fn prepare<'a>(email: &'a Email, default_from: &'a str) -> Result<Outgoing<'a>, MailError> {
    if email.to.is_empty() && email.cc.is_empty() && email.bcc.is_empty() {
        return Err(MailError::Invalid { reason: "no recipient".to_owned() });
    }
    let from = email.from.as_deref().unwrap_or(default_from);
    let (_, address) = mailbox(from);
    let domain = address
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim())
        .filter(|domain| !domain.is_empty())
        .ok_or_else(|| MailError::Invalid {
            reason: format!("the sender `{from}` is not an email address"),
        })?;
    let id = email.id.clone().unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let message_id = format!("<{}@{domain}>", id_part(&id));
    Ok(Outgoing { email, from, id, message_id })
}

/// The name and the address of `Ann <ann@example.com>` or `ann@example.com`.
pub(super) fn mailbox(text: &str) -> (Option<&str>, &str) {
    let text = text.trim();
    match (text.rfind('<'), text.strip_suffix('>')) {
        (Some(start), Some(inner)) => {
            let name = text[..start].trim().trim_matches('"').trim();
            ((!name.is_empty()).then_some(name), inner[start + 1..].trim())
        }
        _ => (None, text),
    }
}

/// The id as the left part of a Message-ID (RFC 5322 dot-atom text): other characters become `-`.
fn id_part(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-.".contains(c) { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_message_id_is_made_of_the_email_id_and_the_sender_domain() {
        let email = Email::new("bob@example.org", "Hi", "Hello").with_id("run 7/step 2");
        let outgoing = prepare(&email, "CRM <crm@mail.example.com>").unwrap();
        assert_eq!(outgoing.message_id, "<run-7/step-2@mail.example.com>");
        assert_eq!(outgoing.id, "run 7/step 2");
    }

    #[test]
    fn without_an_id_each_send_gets_a_new_one() {
        let email = Email::new("bob@example.org", "Hi", "Hello");
        let first = prepare(&email, "crm@example.com").unwrap().id;
        let second = prepare(&email, "crm@example.com").unwrap().id;
        assert_ne!(first, second);
        assert_eq!(uuid::Uuid::parse_str(&first).unwrap().get_version_num(), 7);
    }

    #[test]
    fn names_and_addresses_are_told_apart() {
        assert_eq!(mailbox("\"Ann B\" <ann@example.com>"), (Some("Ann B"), "ann@example.com"));
        assert_eq!(mailbox("ann@example.com"), (None, "ann@example.com"));
        assert!(prepare(&Email::new("a@b.c", "s", "t"), "nobody").is_err());
    }
}
