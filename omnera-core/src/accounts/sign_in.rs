//! Signing in with a password, sessions, and changing a password while signed in.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::backend::{User, UserChanges};

use super::AccountsError;
use super::credentials::{hash_password, new_token, token_hash, unknown_account_hash, verify_password};
use super::rules::new_password_problem;
use super::service::Accounts;
use super::throttle::SignInAttempt;

/// How long a session lasts, in days.
pub const SESSION_DAYS: i64 = 30;

/// A session just opened: the token (shown once; the store keeps its hash) and its user.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewSession {
    /// The session token.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Whose session it is.
    pub user: User,
}

impl Accounts {
    /// Signs in with a password: a new session. Wrong credentials and disabled accounts are the
    /// same [`AccountsError::InvalidCredentials`], after the same Argon2 work. Failures slow
    /// further tries down, per account and per `client` address when the transport knows it.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<NewSession, AccountsError> {
        self.passwords_allowed()?;
        let store = self.store()?;
        let attempt = SignInAttempt::new(email, client);
        attempt.check(store.as_ref()).await?;
        let found = store.user_by_email(email).await?;
        // The same Argon2 work whether or not the email has an account, or the account is disabled.
        let matches = match &found {
            Some((_, hash)) => verify_password(password, hash),
            None => verify_password(password, unknown_account_hash()),
        };
        let Some((user, _)) = found.filter(|(user, _)| matches && !user.disabled) else {
            attempt.failed(store.as_ref()).await?;
            return Err(AccountsError::InvalidCredentials);
        };
        attempt.succeeded(store.as_ref()).await?;
        self.may_sign_in(&user)?;
        self.open_session(&user).await
    }

    /// Refuses a user the app does not let sign in: disabled, or unverified where the app
    /// requires verified addresses.
    pub(crate) fn may_sign_in(&self, user: &User) -> Result<(), AccountsError> {
        if user.disabled {
            return Err(AccountsError::InvalidCredentials);
        }
        if self.app.schema().auth().requires_verified_email() && !user.email_verified {
            return Err(AccountsError::not_allowed("verify your email address before signing in"));
        }
        Ok(())
    }

    /// Opens a session for `user`.
    pub(crate) async fn open_session(&self, user: &User) -> Result<NewSession, AccountsError> {
        let token = new_token()?;
        let expires_at = Utc::now() + Duration::days(SESSION_DAYS);
        self.store()?.create_session(user.id, &token_hash(&token), expires_at).await?;
        Ok(NewSession { token, expires_at, user: user.clone() })
    }

    /// Ends the session of `token`.
    pub async fn sign_out(&self, token: &str) -> Result<(), AccountsError> {
        Ok(self.store()?.delete_session(&token_hash(token)).await?)
    }

    /// Changes `user`'s password after checking the current one (a wrong one is
    /// [`AccountsError::InvalidCredentials`]); every other session of the user ends, the one of
    /// `kept_session` (a token) stays.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new_password: &str,
        kept_session: Option<&str>,
    ) -> Result<(), AccountsError> {
        if let Some(problem) = new_password_problem("newPassword", new_password) {
            return Err(AccountsError::InvalidFields(vec![problem]));
        }
        let store = self.store()?;
        let stored = store.user_by_email(&user.email).await?;
        if !stored.is_some_and(|(_, hash)| verify_password(current, &hash)) {
            return Err(AccountsError::InvalidCredentials);
        }
        store
            .update_user(user.id, UserChanges::default().with_password_hash(hash_password(new_password)?))
            .await?;
        let kept = kept_session.map(token_hash);
        store.end_sessions(user.id, kept.as_deref()).await?;
        Ok(())
    }
}
