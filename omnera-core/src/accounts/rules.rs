//! What an account's address and password must be. The service checks them; a transport may
//! call them too, to report every problem of a request at once.

use serde_json::Value;

use crate::record::FieldProblem;
use crate::{FieldKind, FieldValue};

/// The shortest password.
pub const MIN_PASSWORD_LENGTH: usize = 8;
/// The longest password (Argon2 hashes any length; this bounds the work per request).
pub const MAX_PASSWORD_LENGTH: usize = 1024;

/// An address in the form accounts keep it (trimmed, lowercase), or the problem with it, for
/// the field `field`.
///
/// ```
/// use omnera_core::accounts::account_email;
///
/// assert_eq!(account_email("email", " Ann@Example.COM ").unwrap(), "ann@example.com");
/// assert_eq!(account_email("email", "ann").unwrap_err().code, "invalid_email");
/// ```
pub fn account_email(field: &str, email: &str) -> Result<String, FieldProblem> {
    match FieldKind::Email.normalize(&Value::String(email.trim().to_owned())) {
        Ok(FieldValue::Text(email)) => Ok(email.to_lowercase()),
        _ => Err(FieldProblem {
            field: field.to_owned(),
            code: "invalid_email",
            message: "not a valid email address".to_owned(),
        }),
    }
}

/// The problem with `password` as a new password of the field `field`: too short or too long.
///
/// ```
/// use omnera_core::accounts::new_password_problem;
///
/// assert_eq!(new_password_problem("password", "short").unwrap().code, "too_short");
/// assert!(new_password_problem("password", "long enough").is_none());
/// ```
pub fn new_password_problem(field: &str, password: &str) -> Option<FieldProblem> {
    let length = password.chars().count();
    let (code, message) = if length < MIN_PASSWORD_LENGTH {
        ("too_short", format!("has at least {MIN_PASSWORD_LENGTH} characters"))
    } else if length > MAX_PASSWORD_LENGTH {
        ("too_long", format!("has at most {MAX_PASSWORD_LENGTH} characters"))
    } else {
        return None;
    };
    Some(FieldProblem { field: field.to_owned(), code, message })
}

/// The address of a new account as accounts keep it, or every problem with its `email` and
/// `password` at once.
pub(crate) fn new_account_credentials(email: &str, password: &str) -> Result<String, Vec<FieldProblem>> {
    let email = account_email("email", email);
    let password = new_password_problem("password", password);
    match (email, password) {
        (Ok(email), None) => Ok(email),
        (email, password) => Err(email.err().into_iter().chain(password).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_account_gets_every_problem_of_its_credentials_at_once() {
        assert_eq!(new_account_credentials(" Ann@Example.com", "long enough").unwrap(), "ann@example.com");
        let problems = new_account_credentials("ann", "short").unwrap_err();
        let codes: Vec<(&str, &str)> =
            problems.iter().map(|problem| (problem.field.as_str(), problem.code)).collect();
        assert_eq!(codes, [("email", "invalid_email"), ("password", "too_short")]);
    }
}
