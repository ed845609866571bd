//! Transport errors that never show a credential.

use omnera_core::backend::MailError;

/// A [`MailError::Transport`] with `message`, every non-empty credential in it replaced by `***`.
pub(super) fn transport_error(message: &str, credentials: &[&str]) -> MailError {
    let mut message = message.to_owned();
    for credential in credentials.iter().filter(|credential| !credential.is_empty()) {
        message = message.replace(credential, "***");
    }
    MailError::Transport { source: message.into() }
}

/// An error and its sources, as one line: `outer: inner: innermost`.
pub(super) fn with_sources(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
