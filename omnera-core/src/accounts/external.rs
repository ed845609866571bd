//! Signing in through an outside provider (OAuth, OpenID Connect): which account the outside
//! account lands in.

use crate::backend::{ExternalAccount, NewUser, User};

use super::AccountsError;
use super::service::Accounts;
use super::sign_in::NewSession;

/// Who a provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExternalProfile {
    /// The provider's stable id of the account.
    pub subject: String,
    /// The account's address, if the provider gave one.
    pub email: Option<String>,
    /// Whether the provider vouches for the address.
    pub email_verified: bool,
    /// The person's name, if given.
    pub name: Option<String>,
}

impl ExternalProfile {
    /// A profile with its subject and address.
    pub fn new(
        subject: impl Into<String>,
        email: Option<String>,
        email_verified: bool,
        name: Option<String>,
    ) -> Self {
        Self { subject: subject.into(), email, email_verified, name }
    }
}

impl Accounts {
    /// Opens a session for the account an outside account of `connection` signs in as: the one
    /// it is linked to, else the account with the same address when both sides verified it (it
    /// is then linked), else a new account when sign-up is open.
    pub async fn sign_in_externally(
        &self,
        connection: &str,
        profile: ExternalProfile,
    ) -> Result<NewSession, AccountsError> {
        let user = self.user_for(connection, profile).await?;
        self.may_sign_in(&user)?;
        self.open_session(&user).await
    }

    async fn user_for(&self, connection: &str, profile: ExternalProfile) -> Result<User, AccountsError> {
        let store = self.store()?;
        let account = ExternalAccount::new(connection, profile.subject);
        if let Some(user) = store.linked_user(&account).await? {
            return Ok(user);
        }
        let email = profile.email.map(|email| email.trim().to_lowercase()).ok_or_else(|| {
            AccountsError::not_allowed("the provider gave no email address for this account")
        })?;
        let user = match store.user_by_email(&email).await? {
            // Both sides must vouch for the address: an unverified account may have been made
            // by someone else, and an unverified provider address may not be theirs.
            Some((user, _)) if profile.email_verified && user.email_verified => user,
            Some(_) => {
                return Err(AccountsError::not_allowed(
                    "an account with this address exists and the address is not verified on both sides; \
                     verify it (or reset the password) and sign in with the provider again",
                ));
            }
            None => {
                self.sign_up_open()?;
                let roles = self.app.schema().auth().default_roles().to_vec();
                let new_user = NewUser::without_password(email, profile.name, roles);
                let new_user = if profile.email_verified { new_user.verified() } else { new_user };
                store.create_user(new_user).await?
            }
        };
        store.link_account(user.id, &account).await?;
        Ok(user)
    }
}
