//! What sign-in through an OAuth connection asks of an [`AccountStore`](super::AccountStore):
//! the sign-ins under way between the redirect to the provider and its callback, and the links
//! between a provider's accounts and the app's users.

use chrono::{DateTime, Utc};

/// A sign-in sent to a provider and not yet back: what its callback needs. The store keeps it
/// under the hash of the `state` the provider hands back, so any instance can finish it.
///
/// ```
/// use chrono::{Duration, Utc};
/// use omnera_core::backend::PendingSignIn;
///
/// let pending = PendingSignIn::new("google", "verifier", "https://app.example.com/api/auth/oauth/google/callback", Utc::now() + Duration::minutes(10))
///     .redirecting_to("/dashboard");
/// assert_eq!(pending.redirect.as_deref(), Some("/dashboard"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingSignIn {
    /// The OAuth connection's name.
    pub connection: String,
    /// The PKCE code verifier, sent with the code to the token endpoint.
    pub code_verifier: String,
    /// The callback URL the provider was given (the token request repeats it).
    pub callback_url: String,
    /// Where the browser goes once signed in; `None` answers with the session as JSON.
    pub redirect: Option<String>,
    /// When the sign-in can no longer be finished.
    pub expires_at: DateTime<Utc>,
}

impl PendingSignIn {
    /// A sign-in through `connection` that answers with JSON when it is done.
    pub fn new(
        connection: impl Into<String>,
        code_verifier: impl Into<String>,
        callback_url: impl Into<String>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        Self {
            connection: connection.into(),
            code_verifier: code_verifier.into(),
            callback_url: callback_url.into(),
            redirect: None,
            expires_at,
        }
    }

    /// The same sign-in, sending the browser to `path` when it is done.
    #[must_use]
    pub fn redirecting_to(mut self, path: impl Into<String>) -> Self {
        self.redirect = Some(path.into());
        self
    }
}

/// An account at an outside provider: the connection it came through and the provider's
/// stable id for it (OpenID Connect's `sub`, GitHub's user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalAccount {
    /// The OAuth connection's name.
    pub connection: String,
    /// The provider's id of the account.
    pub subject: String,
}

impl ExternalAccount {
    /// The account `subject` at the provider of `connection`.
    ///
    /// ```
    /// use omnera_core::backend::ExternalAccount;
    ///
    /// let account = ExternalAccount::new("github", "583231");
    /// assert_eq!(account.subject, "583231");
    /// ```
    pub fn new(connection: impl Into<String>, subject: impl Into<String>) -> Self {
        Self { connection: connection.into(), subject: subject.into() }
    }
}
