//! Connections to outside services. Credentials are always [`SecretRef`]s.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::automation::RetryConfig;
use super::{ConfigText, SecretRef};

/// A connection, chosen by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case")]
#[schemars(extend("x-omnera-code" = "unknown_connection_type"))]
pub enum ConnectionConfig {
    /// An SMTP server.
    Smtp(SmtpConnection),
    /// The Resend mail API.
    Resend(MailApiConnection),
    /// The SendGrid mail API.
    Sendgrid(MailApiConnection),
    /// The Postmark mail API.
    Postmark(MailApiConnection),
    /// An HTTP API.
    Http(HttpConnection),
    /// An OAuth provider, for sign-in and tokens.
    Oauth(OAuthConnection),
    /// An S3 or S3-compatible bucket.
    S3(S3Connection),
    /// A Google Cloud Storage bucket.
    Gcs(GcsConnection),
    /// An Azure Blob Storage container.
    Azure(AzureConnection),
    /// Stripe's API and webhooks.
    Stripe(StripeConnection),
}

impl ConnectionConfig {
    /// The connection's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Smtp(connection) => &connection.name,
            Self::Resend(connection) | Self::Sendgrid(connection) | Self::Postmark(connection) => {
                &connection.name
            }
            Self::Http(connection) => &connection.name,
            Self::Oauth(connection) => &connection.name,
            Self::S3(connection) => &connection.name,
            Self::Gcs(connection) => &connection.name,
            Self::Azure(connection) => &connection.name,
            Self::Stripe(connection) => &connection.name,
        }
    }

    /// The `type` as written, such as `smtp`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::Resend(_) => "resend",
            Self::Sendgrid(_) => "sendgrid",
            Self::Postmark(_) => "postmark",
            Self::Http(_) => "http",
            Self::Oauth(_) => "oauth",
            Self::S3(_) => "s3",
            Self::Gcs(_) => "gcs",
            Self::Azure(_) => "azure",
            Self::Stripe(_) => "stripe",
        }
    }

    /// Whether the connection can send email.
    pub fn sends_email(&self) -> bool {
        matches!(self, Self::Smtp(_) | Self::Resend(_) | Self::Sendgrid(_) | Self::Postmark(_))
    }

    /// Whether the connection can hold attachments.
    pub fn stores_files(&self) -> bool {
        matches!(self, Self::S3(_) | Self::Gcs(_) | Self::Azure(_))
    }
}

/// An SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct SmtpConnection {
    pub name: String,
    pub host: ConfigText,
    /// Default: 465 with `tls`, 587 with `starttls`, 25 with `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<ConfigText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRef>,
    /// The sender address, such as `CRM <crm@example.com>`.
    pub from: ConfigText,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpSecurity {
    /// TLS from the first byte.
    Tls,
    /// Plain, upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// No encryption: for a server on loopback only.
    None,
}

/// A mail API: Resend, SendGrid or Postmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct MailApiConnection {
    pub name: String,
    pub api_key: SecretRef,
    pub from: ConfigText,
}

/// An HTTP API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct HttpConnection {
    pub name: String,
    pub base_url: ConfigText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<HttpAuthConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
    /// A duration such as `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryConfig>,
}

/// How requests of an HTTP connection authenticate, chosen by its `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum HttpAuthConfig {
    /// `Authorization: Bearer <token>`.
    Bearer { token: SecretRef },
    /// `Authorization: Basic`.
    Basic { username: ConfigText, password: SecretRef },
    /// A header of the given name.
    Header { name: String, value: SecretRef },
    /// OAuth 2 client credentials, fetched from `tokenUrl` and refreshed before expiry.
    #[serde(rename = "oauth2-client-credentials", rename_all = "camelCase")]
    OAuth2ClientCredentials {
        token_url: ConfigText,
        client_id: ConfigText,
        client_secret: SecretRef,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        scopes: Vec<String>,
    },
}

/// At most `requests` requests `per` duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct RateLimitConfig {
    pub requests: u32,
    /// A duration such as `1s` or `1m`.
    pub per: String,
}

/// An OAuth provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct OAuthConnection {
    pub name: String,
    pub provider: OAuthProvider,
    /// The issuer URL; required for `oidc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<ConfigText>,
    pub client_id: ConfigText,
    pub client_secret: SecretRef,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

/// A known OAuth provider, or any OpenID Connect issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum OAuthProvider {
    Google,
    Github,
    Microsoft,
    Oidc,
}

/// An S3 or S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct S3Connection {
    pub name: String,
    pub bucket: ConfigText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<ConfigText>,
    /// For S3-compatible stores, such as `http://127.0.0.1:9000`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<ConfigText>,
    pub access_key_id: ConfigText,
    pub secret_access_key: SecretRef,
}

/// A Google Cloud Storage bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct GcsConnection {
    pub name: String,
    pub bucket: ConfigText,
    pub service_account_key: SecretRef,
}

/// An Azure Blob Storage container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct AzureConnection {
    pub name: String,
    pub container: ConfigText,
    pub account_name: ConfigText,
    pub access_key: SecretRef,
}

/// Stripe's API and webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct StripeConnection {
    pub name: String,
    pub secret_key: SecretRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<SecretRef>,
}
