//! One-time tokens sent by email: password resets and address verification. The token travels
//! only in the email; the store keeps its hash.

use chrono::{Duration, Utc};

use super::AccountsError;
use super::credentials::{new_token, token_hash};
use super::service::Accounts;
use crate::backend::{Email, TokenPurpose, User};

/// How long a password-reset token works.
const RESET_HOURS: i64 = 1;
/// How long an email-verification token works.
const VERIFICATION_HOURS: i64 = 48;

/// Makes a token for `user` and mails it through the app's mailer.
pub(super) async fn send(
    accounts: &Accounts,
    user: &User,
    purpose: TokenPurpose,
) -> Result<(), AccountsError> {
    let mailer = accounts.mailer()?;
    let token = new_token()?;
    let hours = match purpose {
        TokenPurpose::PasswordReset => RESET_HOURS,
        _ => VERIFICATION_HOURS,
    };
    let expires_at = Utc::now() + Duration::hours(hours);
    accounts.store()?.create_one_time_token(user.id, purpose, &token_hash(&token), expires_at).await?;
    let email = email_for(accounts.app.schema().name(), user, purpose, &token, hours);
    mailer.send(&email).await.map_err(|error| {
        tracing::error!(%error, "sending an auth email failed");
        AccountsError::Unavailable { what: "sending the email".to_owned() }
    })
}

fn email_for(app: &str, user: &User, purpose: TokenPurpose, token: &str, hours: i64) -> Email {
    let (subject, action, route, field) = match purpose {
        TokenPurpose::PasswordReset => (
            format!("Reset your password for {app}"),
            "set a new password",
            "/api/auth/password/reset",
            r#"{"token": "…", "password": "…"}"#,
        ),
        _ => (
            format!("Verify your email address for {app}"),
            "verify your address",
            "/api/auth/email/verify",
            r#"{"token": "…"}"#,
        ),
    };
    let text = format!(
        "Hello{name},\n\nTo {action}, use this code within {hours} hours:\n\n{token}\n\n\
         (Apps send it as {field} to {route}.)\n\nIf you did not ask for this, ignore this email.\n",
        name = user.name.as_deref().map(|name| format!(" {name}")).unwrap_or_default(),
    );
    Email::new(user.email.clone(), subject, text)
}

/// The user a token proves, using the token up; [`AccountsError::InvalidToken`] when it is
/// unknown, used or expired.
pub(super) async fn redeem(
    accounts: &Accounts,
    purpose: TokenPurpose,
    token: &str,
) -> Result<User, AccountsError> {
    accounts
        .store()?
        .redeem_one_time_token(purpose, &token_hash(token.trim()), Utc::now())
        .await?
        .ok_or(AccountsError::InvalidToken)
}
