//! What `build()` refuses: an app that needs a backend it was not given is not built, and the
//! error names every missing one with the parts of the config that need it.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;

use omnera_core::app::{BuildError, ConnectionBlobStores};
use omnera_core::backend::{BlobError, BlobStore, Caller, IdentityError, IdentityProvider};
use omnera_core::config::ConnectionConfig;
use omnera_core::{App, Config};

fn config(text: &str) -> Config {
    Config::from_json_str(text).unwrap()
}

async fn missing(builder: omnera_core::AppBuilder) -> Vec<(String, Vec<String>)> {
    match builder.build().await {
        Err(BuildError::MissingCapabilities(missing)) => {
            missing.into_iter().map(|capability| (capability.capability, capability.needed_by)).collect()
        }
        Err(other) => panic!("{other}"),
        Ok(_) => Vec::new(),
    }
}

struct Tokens;

#[async_trait::async_trait]
impl IdentityProvider for Tokens {
    async fn authenticate(&self, _token: &str) -> Result<Caller, IdentityError> {
        Err(IdentityError::InvalidCredentials)
    }
}

struct NoBuckets;

impl ConnectionBlobStores for NoBuckets {
    fn open(
        &self,
        name: &str,
        _: &ConnectionConfig,
        _: Option<&str>,
        _: &omnera_core::secrets::Secrets,
    ) -> Result<Arc<dyn BlobStore>, BlobError> {
        Err(BlobError::Store { location: name.to_owned(), source: "no buckets here".into() })
    }
}

#[tokio::test]
async fn an_auth_section_needs_an_account_store_or_an_identity_provider() {
    let with_auth = r#"{"name": "Club", "auth": {"roles": [{"name": "member"}]}}"#;
    assert_eq!(
        missing(App::from_config(config(with_auth))).await,
        [("an account store".to_owned(), vec!["auth".to_owned()])],
        "before, such an app was built and everyone was anonymous"
    );
    assert!(missing(App::from_config(config(with_auth)).with_identity_provider(Tokens)).await.is_empty());
}

#[tokio::test]
async fn attachments_in_a_storage_connection_need_a_way_to_open_it() {
    let text = r#"{"name": "Archive",
        "connections": [{"type": "s3", "name": "archive", "bucket": "letters", "accessKeyId": "id",
                         "secretAccessKey": {"env": "ARCHIVE_KEY"}}],
        "tables": [{"id": 1, "name": "letters", "fields": [
            {"id": 1, "name": "original", "type": "single-attachment", "storage": {"provider": "archive"}}]}]}"#;
    let needed = |missing: &[(String, Vec<String>)]| {
        missing.iter().find(|(capability, _)| capability == "blob stores for storage connections").cloned()
    };
    let without = missing(App::from_config(config(text))).await;
    assert_eq!(
        needed(&without),
        Some(("blob stores for storage connections".to_owned(), vec!["field letters.original".to_owned()]))
    );
    assert!(
        !without.iter().any(|(capability, _)| capability == "a blob store"),
        "the field keeps nothing in the app's own store"
    );
    let with = missing(App::from_config(config(text)).with_connection_blob_stores(NoBuckets)).await;
    assert_eq!(needed(&with), None);
}

struct FailingMailConnections;

impl omnera_core::app::ConnectionMailers for FailingMailConnections {
    fn open(
        &self,
        name: &str,
        _: &ConnectionConfig,
        _: &omnera_core::secrets::Secrets,
    ) -> Result<Arc<dyn omnera_core::backend::Mailer>, omnera_core::backend::MailError> {
        Err(omnera_core::backend::MailError::Transport { source: format!("{name}: no such host").into() })
    }
}

const AUTH_EMAILS_BY_CONNECTION: &str = r#"{"name": "Club",
    "connections": [{"type": "smtp", "name": "mail", "host": "127.0.0.1", "from": "club@example.com"}],
    "auth": {"emailConnection": "mail"}}"#;

#[tokio::test]
async fn auth_emails_through_a_connection_need_a_way_to_open_it() {
    let builder = App::from_config(config(AUTH_EMAILS_BY_CONNECTION)).with_identity_provider(Tokens);
    assert_eq!(
        missing(builder).await,
        [(
            "mailers for mail connections".to_owned(),
            vec!["auth.emailConnection (connection mail)".to_owned()]
        )],
        "without it, auth emails would silently go nowhere"
    );
}

#[tokio::test]
async fn a_mail_connection_that_cannot_be_opened_fails_the_build_with_its_name() {
    let built = App::from_config(config(AUTH_EMAILS_BY_CONNECTION))
        .with_identity_provider(Tokens)
        .with_connection_mailers(FailingMailConnections)
        .build()
        .await;
    let Err(error) = built else { panic!("the build must fail") };
    assert_eq!(
        error.to_string(),
        "the mail connection `mail` (auth.emailConnection) could not be opened: mail transport failed: mail: no such host"
    );
}
