//! Tokens a connection obtains at run time (OAuth access and refresh tokens), kept sealed in the
//! vault as `oauth-token.<connection>`, so every instance uses the same ones.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Vault, VaultError};

/// A connection's OAuth tokens. Its `Debug` shows when they expire, never a token.
///
/// ```
/// use std::time::Duration;
/// use chrono::{TimeDelta, Utc};
/// use omnera_core::secrets::ConnectionTokens;
///
/// let tokens = ConnectionTokens::new("access-1", Utc::now() + TimeDelta::minutes(30));
/// assert!(tokens.fresh(Duration::from_secs(60)));
/// assert!(!tokens.fresh(Duration::from_secs(3600)));
/// assert!(!format!("{tokens:?}").contains("access-1"));
/// assert_eq!(ConnectionTokens::vault_name("crm"), "oauth-token.crm");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectionTokens {
    /// The access token requests carry.
    pub access_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// The refresh token, when the provider gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Where the refresh token is traded for a new access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
}

impl fmt::Debug for ConnectionTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionTokens")
            .field("expires_at", &self.expires_at)
            .field("refreshable", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl ConnectionTokens {
    /// An access token that expires at `expires_at`.
    pub fn new(access_token: impl Into<String>, expires_at: DateTime<Utc>) -> Self {
        Self { access_token: access_token.into(), expires_at, refresh_token: None, token_url: None }
    }

    /// With a refresh token, traded at `token_url`.
    #[must_use]
    pub fn refreshable(mut self, refresh_token: impl Into<String>, token_url: impl Into<String>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self.token_url = Some(token_url.into());
        self
    }

    /// The vault name of connection `connection`'s tokens.
    pub fn vault_name(connection: &str) -> String {
        format!("oauth-token.{connection}")
    }

    /// Whether the access token is good for at least `margin` more.
    pub fn fresh(&self, margin: Duration) -> bool {
        chrono::TimeDelta::from_std(margin).is_ok_and(|margin| Utc::now() + margin < self.expires_at)
    }

    /// The tokens of connection `connection` in `vault`, if it holds any.
    pub async fn load(vault: &Vault, connection: &str) -> Result<Option<Self>, VaultError> {
        let name = Self::vault_name(connection);
        match vault.read(&[name.as_str()]).await {
            Ok(secrets) => Ok(secrets.get(&name).and_then(|text| serde_json::from_str(text).ok())),
            Err(VaultError::Missing { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Seals these tokens in `vault` as connection `connection`'s.
    pub async fn store(&self, vault: &Vault, connection: &str) -> Result<(), VaultError> {
        let text =
            serde_json::to_string(self).map_err(|error| VaultError::Crypto { reason: error.to_string() })?;
        vault.set(&Self::vault_name(connection), &text).await
    }
}
