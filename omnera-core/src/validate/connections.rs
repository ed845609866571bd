//! Connections: names, addresses and URLs written in the document, secret references.

use super::automations::{check_retry, parse_duration};
use super::context::CheckContext;
use super::names::{UniqueIn, check_slug};
use super::{ConfigPath, IssueCode};
use crate::config::{ConfigText, ConnectionConfig, HttpAuthConfig, OAuthProvider, SecretRef};
use crate::secrets::is_secret_name;

pub(crate) fn check_connections(cx: &mut CheckContext<'_>) {
    let config = cx.config;
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "connection name");
    for connection in &config.connections {
        let path = ConfigPath::root().key("connections").item(connection.name());
        check_slug(connection.name(), "connection", &path.key("name"), cx);
        names.check(&connection.name().to_owned(), &path.key("name"), cx);
        check_connection(connection, &path, cx);
    }
}

fn check_connection(connection: &ConnectionConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    match connection {
        ConnectionConfig::Smtp(smtp) => {
            check_not_empty(&smtp.host, &path.key("host"), cx);
            check_sender(&smtp.from, &path.key("from"), cx);
            if smtp.port == Some(0) {
                cx.report(path.key("port"), IssueCode::OutOfRange, "port must be 1 to 65535".to_owned());
            }
            if smtp.password.is_some() && smtp.username.is_none() {
                cx.report(
                    path.key("username"),
                    IssueCode::MissingOption,
                    "a password needs a `username`".to_owned(),
                );
            }
            check_secret(smtp.password.as_ref(), &path.key("password"), cx);
        }
        ConnectionConfig::Resend(api) | ConnectionConfig::Sendgrid(api) | ConnectionConfig::Postmark(api) => {
            check_secret(Some(&api.api_key), &path.key("apiKey"), cx);
            check_sender(&api.from, &path.key("from"), cx);
        }
        ConnectionConfig::Http(http) => {
            check_http_url(&http.base_url, &path.key("baseUrl"), cx);
            if let Some(timeout) = &http.timeout {
                parse_duration(timeout, &path.key("timeout"), cx);
            }
            if let Some(limit) = &http.rate_limit {
                if limit.requests == 0 {
                    cx.report(
                        path.key("rateLimit").key("requests"),
                        IssueCode::OutOfRange,
                        "requests must be at least 1".to_owned(),
                    );
                }
                parse_duration(&limit.per, &path.key("rateLimit").key("per"), cx);
            }
            if let Some(retry) = &http.retry {
                check_retry(retry, &path.key("retry"), cx);
            }
            let auth_path = path.key("auth");
            match &http.auth {
                Some(HttpAuthConfig::Bearer { token }) => {
                    check_secret(Some(token), &auth_path.key("token"), cx);
                }
                Some(HttpAuthConfig::Basic { password, .. }) => {
                    check_secret(Some(password), &auth_path.key("password"), cx);
                }
                Some(HttpAuthConfig::Header { value, .. }) => {
                    check_secret(Some(value), &auth_path.key("value"), cx);
                }
                Some(HttpAuthConfig::OAuth2ClientCredentials { token_url, client_secret, .. }) => {
                    check_http_url(token_url, &auth_path.key("tokenUrl"), cx);
                    check_secret(Some(client_secret), &auth_path.key("clientSecret"), cx);
                }
                None => {}
            }
        }
        ConnectionConfig::Oauth(oauth) => {
            match (oauth.provider, &oauth.issuer) {
                (OAuthProvider::Oidc, None) => {
                    cx.report(
                        path.key("issuer"),
                        IssueCode::MissingOption,
                        "oidc connections need an `issuer`".to_owned(),
                    );
                }
                (OAuthProvider::Oidc, Some(issuer)) => check_http_url(issuer, &path.key("issuer"), cx),
                (_, Some(_)) => {
                    let message = "`issuer` applies to oidc connections only; known providers have their own"
                        .to_owned();
                    cx.report(path.key("issuer"), IssueCode::OptionNotAllowed, message);
                }
                (_, None) => {}
            }
            check_secret(Some(&oauth.client_secret), &path.key("clientSecret"), cx);
        }
        ConnectionConfig::S3(s3) => {
            check_not_empty(&s3.bucket, &path.key("bucket"), cx);
            if let Some(endpoint) = &s3.endpoint {
                check_http_url(endpoint, &path.key("endpoint"), cx);
            }
            check_secret(Some(&s3.secret_access_key), &path.key("secretAccessKey"), cx);
        }
        ConnectionConfig::Gcs(gcs) => {
            check_not_empty(&gcs.bucket, &path.key("bucket"), cx);
            check_secret(Some(&gcs.service_account_key), &path.key("serviceAccountKey"), cx);
        }
        ConnectionConfig::Azure(azure) => {
            check_not_empty(&azure.container, &path.key("container"), cx);
            check_secret(Some(&azure.access_key), &path.key("accessKey"), cx);
        }
        ConnectionConfig::Stripe(stripe) => {
            check_secret(Some(&stripe.secret_key), &path.key("secretKey"), cx);
            check_secret(stripe.webhook_secret.as_ref(), &path.key("webhookSecret"), cx);
        }
    }
}

fn check_not_empty(text: &ConfigText, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    match text {
        ConfigText::Literal(literal) if literal.trim().is_empty() => {
            cx.report(path.clone(), IssueCode::InvalidLength, "must not be empty".to_owned());
        }
        ConfigText::Literal(_) => {}
        ConfigText::Ref(reference) => check_secret(Some(reference), path, cx),
    }
}

/// A sender written in the document: `ann@example.com` or `Ann <ann@example.com>`.
fn check_sender(from: &ConfigText, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    let ConfigText::Literal(from) = from else {
        return check_not_empty(from, path, cx);
    };
    let address = match (from.rfind('<'), from.strip_suffix('>')) {
        (Some(start), Some(_)) => &from[start + 1..from.len() - 1],
        _ => from.as_str(),
    };
    if crate::fields::normalize_address(address.trim()).is_err() {
        let message =
            format!("`{from}` is not an email address such as crm@example.com or CRM <crm@example.com>");
        cx.report(path.clone(), IssueCode::InvalidEmail, message);
    }
}

fn check_http_url(text: &ConfigText, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    let ConfigText::Literal(literal) = text else {
        return check_not_empty(text, path, cx);
    };
    let absolute = url::Url::parse(literal)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if !absolute {
        cx.report(path.clone(), IssueCode::InvalidUrl, format!("`{literal}` is not an absolute http(s) URL"));
    }
}

/// An `env` reference names a variable (`^[A-Za-z_][A-Za-z0-9_]*$`); a `secret` one a vault
/// secret (letters, digits, `.`, `_`, `-`).
fn check_secret(reference: Option<&SecretRef>, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    match reference {
        Some(SecretRef::Env { env }) => {
            let mut characters = env.chars();
            let valid = characters.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
                && characters.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                let message = format!("`{env}` is not an environment variable name such as SMTP_PASSWORD");
                cx.report(path.key("env"), IssueCode::InvalidName, message);
            }
        }
        Some(SecretRef::Secret { secret }) if !is_secret_name(secret) => {
            let message = format!(
                "`{secret}` is not a secret name: use letters, digits, `.`, `_` and `-`, starting with \
                 a letter or digit (at most 128)"
            );
            cx.report(path.key("secret"), IssueCode::InvalidName, message);
        }
        _ => {}
    }
}
