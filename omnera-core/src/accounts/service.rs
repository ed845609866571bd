//! [`Accounts`]: the accounts service of an app.

use std::sync::Arc;

use crate::App;
use crate::backend::{AccountStore, Mailer, NewUser, TokenPurpose, User, UserChanges};
use crate::config::SignUpMode;

use super::AccountsError;
use super::credentials::hash_password;
use super::rules::{account_email, new_account_credentials, new_password_problem};
use super::throttle::account_key;
use super::{notices, one_time};

/// The accounts of an app: signing up and in, passwords, address verification. Cheap to clone.
///
/// ```
/// use omnera_core::accounts::AccountsError;
/// use omnera_core::{App, Config};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let app = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap()).build().await.unwrap();
/// let signed_up = app.accounts().sign_up("ann@example.com", "correct horse", None).await;
/// assert!(matches!(signed_up, Err(AccountsError::NotAllowed { .. })), "an app without auth has no sign-up");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Accounts {
    pub(crate) app: App,
}

impl App {
    /// The accounts service.
    pub fn accounts(&self) -> Accounts {
        Accounts { app: self.clone() }
    }
}

impl Accounts {
    /// The account store.
    pub(crate) fn store(&self) -> Result<&Arc<dyn AccountStore>, AccountsError> {
        self.app
            .account_store()
            .ok_or_else(|| AccountsError::Unavailable { what: "the account store".into() })
    }

    /// The mailer auth emails go through: the connection of `auth.emailConnection`, else the
    /// app's own.
    pub(crate) fn mailer(&self) -> Result<Arc<dyn Mailer>, AccountsError> {
        self.app.auth_mailer().ok_or_else(|| AccountsError::Unavailable { what: "the mailer".into() })
    }

    /// Refuses unless the app signs in with passwords.
    pub(crate) fn passwords_allowed(&self) -> Result<(), AccountsError> {
        let schema = self.app.schema();
        if schema.has_auth() && schema.auth().providers().iter().any(|provider| provider == "password") {
            Ok(())
        } else {
            Err(AccountsError::not_allowed("this app does not sign in with passwords"))
        }
    }

    /// Refuses unless anyone may sign up.
    pub(crate) fn sign_up_open(&self) -> Result<(), AccountsError> {
        let schema = self.app.schema();
        if schema.has_auth() && schema.auth().sign_up() == SignUpMode::Open {
            Ok(())
        } else {
            Err(AccountsError::not_allowed("sign-up is not open"))
        }
    }

    /// Refuses unless anyone may sign up with a password in this app.
    pub fn sign_up_allowed(&self) -> Result<(), AccountsError> {
        self.sign_up_open()?;
        self.passwords_allowed()
    }

    /// Signs up `email` with `password` when sign-up is open; returns the address as accounts
    /// keep it. The answer is the same whether or not the address already has an account: a
    /// new account gets the app's default roles and, with a mailer, an email to verify the
    /// address; the owner of an existing one gets an email saying someone tried.
    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        name: Option<String>,
    ) -> Result<String, AccountsError> {
        self.sign_up_allowed()?;
        let email = new_account_credentials(email, password).map_err(AccountsError::InvalidFields)?;
        let roles = self.app.schema().auth().default_roles().to_vec();
        let new_user = NewUser::new(email.clone(), name, hash_password(password)?, roles);
        match self.store()?.create_user(new_user).await {
            Ok(user) if self.app.auth_mailer().is_some() => {
                // The account exists either way; a failed email can be asked for again.
                if let Err(error) = one_time::send(self, &user, TokenPurpose::EmailVerification).await {
                    tracing::warn!(%error, "the verification email of a new account was not sent");
                }
            }
            Ok(_) => {}
            Err(crate::backend::AccountError::EmailTaken) => {
                notices::tell_of_sign_up_with_taken_address(self, &email).await;
            }
            Err(other) => return Err(other.into()),
        }
        Ok(email)
    }

    /// Makes an admin account with `email` and `password` unless one with that address exists;
    /// returns whether it made one (see [`ensure_admin`]).
    pub async fn ensure_admin(&self, email: &str, password: &str) -> Result<bool, AccountsError> {
        ensure_admin(self.store()?.as_ref(), email, password).await
    }

    /// Mails a password-reset token to `email` when an active account has it; says nothing
    /// either way, so the answer does not tell who has an account.
    pub async fn forgot_password(&self, email: &str) -> Result<(), AccountsError> {
        let email =
            account_email("email", email).map_err(|problem| AccountsError::InvalidFields(vec![problem]))?;
        if let Some((user, _)) = self.store()?.user_by_email(&email).await?.filter(|(user, _)| !user.disabled)
        {
            one_time::send(self, &user, TokenPurpose::PasswordReset).await?;
        }
        Ok(())
    }

    /// Sets a new password with a reset token: the address counts as verified (the token came by
    /// email), and every session of the user ends.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), AccountsError> {
        if let Some(problem) = new_password_problem("password", password) {
            return Err(AccountsError::InvalidFields(vec![problem]));
        }
        let user = one_time::redeem(self, TokenPurpose::PasswordReset, token).await?;
        let changes =
            UserChanges::default().with_password_hash(hash_password(password)?).with_email_verified();
        let store = self.store()?;
        store.update_user(user.id, changes).await?;
        store.end_sessions(user.id, None).await?;
        store.clear_failed_sign_ins(&account_key(&user.email)).await?;
        Ok(())
    }

    /// Verifies the address a verification token was sent to; returns the user.
    pub async fn verify_email(&self, token: &str) -> Result<User, AccountsError> {
        let user = one_time::redeem(self, TokenPurpose::EmailVerification, token).await?;
        // An account deleted since the token was made has nothing left to verify.
        let verified =
            self.store()?.update_user(user.id, UserChanges::default().with_email_verified()).await?;
        verified.ok_or(AccountsError::InvalidToken)
    }

    /// Mails a new verification token to `email` when an active, unverified account has it;
    /// says nothing either way.
    pub async fn resend_verification(&self, email: &str) -> Result<(), AccountsError> {
        let email =
            account_email("email", email).map_err(|problem| AccountsError::InvalidFields(vec![problem]))?;
        let found = self.store()?.user_by_email(&email).await?;
        if let Some((user, _)) = found.filter(|(user, _)| !user.disabled && !user.email_verified) {
            one_time::send(self, &user, TokenPurpose::EmailVerification).await?;
        }
        Ok(())
    }
}

/// Makes an admin account with `email` and `password` in `store` unless one with that address
/// exists; returns whether it made one. Its address counts as verified. For the first admin of a
/// new app, before the app itself is built.
pub async fn ensure_admin(
    store: &dyn AccountStore,
    email: &str,
    password: &str,
) -> Result<bool, AccountsError> {
    if store.user_by_email(email).await?.is_some() {
        return Ok(false);
    }
    let admin = NewUser::new(email, None, hash_password(password)?, vec!["admin".to_owned()]).verified();
    store.create_user(admin).await?;
    Ok(true)
}
