//! Who sees how much of `/api/openapi.json`: under the host's `OpenApiAccess`, what an anonymous
//! caller, a member and an admin get. By default each sees the tables and operations the app's
//! permissions let them use; a table nobody but admins may touch stays out of the others' view.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;

use object_store::memory::InMemory;
use omnera_core::accounts::ensure_admin;
use omnera_core::backend::UserStore;
use omnera_core::backend::{LogMailer, NewUser};
use omnera_core::{App, Config};
use omnera_http::{ApiOptions, AppRouter, ObjectStoreBlobs, OpenApiAccess};
use omnera_sql::SqlStorage;
use reqwest::Client;
use serde_json::Value;

/// `deals`: sales reps work their own, managers read all. `notes`: anyone reads. `feedback`:
/// anyone may leave some, nobody but admins reads it. `salaries`: admins only.
const APP: &str = r#"{"name": "Sales", "auth": {
    "roles": ["sales", "manager"],
    "permissions": [
      {"role": "sales", "table": "deals", "actions": ["read", "create", "update", "delete"], "where": "owner_id = @user.id"},
      {"role": "manager", "table": "deals", "actions": ["read"]},
      {"role": "anonymous", "table": "notes", "actions": ["read"]},
      {"role": "anonymous", "table": "feedback", "actions": ["create"]}
    ]},
  "tables": [
    {"id": 1, "name": "deals", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text", "required": true},
      {"id": 2, "name": "owner_id", "type": "integer"},
      {"id": 3, "name": "contract", "type": "single-attachment"}]},
    {"id": 2, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]},
    {"id": 3, "name": "feedback", "fields": [{"id": 1, "name": "text", "type": "long-text"}]},
    {"id": 4, "name": "salaries", "fields": [{"id": 1, "name": "amount", "type": "integer"}]}
  ]}"#;

const NO_AUTH_APP: &str = r#"{"name": "Notes", "tables": [
    {"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}]}"#;

struct Server {
    base: String,
    client: Client,
}

impl Server {
    async fn start(config: &str, access: OpenApiAccess) -> Self {
        Self::mounted(config, ApiOptions::default().showing_openapi_to(access), "").await
    }

    /// The app's router with `options`, nested at `mount` (`""`: merged at the root).
    async fn mounted(config: &str, options: ApiOptions, mount: &str) -> Self {
        let storage = SqlStorage::connect("sqlite::memory:").await.unwrap();
        let app = App::from_config(Config::from_json_str(config).unwrap())
            .with_storage(storage.clone())
            .with_accounts(storage.clone())
            .with_blob_store(ObjectStoreBlobs::new(Arc::new(InMemory::new())))
            .with_mailer(LogMailer)
            .build()
            .await
            .unwrap();
        if app.schema().has_auth() {
            let hash = support::password_hash("password 123");
            for (email, role) in [("sam@example.com", "sales"), ("mia@example.com", "manager")] {
                storage
                    .create_user(NewUser::new(email, None, hash.clone(), vec![role.to_owned()]))
                    .await
                    .unwrap();
            }
        }
        ensure_admin(&storage, "root@example.com", "password 123").await.unwrap();
        let router = app.router_with(&options);
        let router = if mount.is_empty() { router } else { axum::Router::new().nest(mount, router) };
        Self { base: format!("{}{mount}", support::serve_router(router).await), client: Client::new() }
    }

    async fn sign_in(&self, email: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/auth/sign-in", self.base))
            .json(&serde_json::json!({"email": email, "password": "password 123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    /// The status, content type and body of the document as `token`'s holder asks for it.
    async fn document(&self, token: Option<&str>) -> (u16, String, Value) {
        let mut request = self.client.get(format!("{}/api/openapi.json", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        self.answer(request).await
    }

    async fn answer(&self, request: reqwest::RequestBuilder) -> (u16, String, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        (status, content_type, response.json().await.unwrap())
    }

    async fn shown(&self, token: Option<&str>) -> Value {
        let (status, _, body) = self.document(token).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// `METHOD path` of every operation a document shows under `/api/tables`.
fn table_operations(document: &Value) -> BTreeSet<String> {
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        if let Some(rest) = path.strip_prefix("/api/tables/") {
            for method in item.as_object().unwrap().keys() {
                operations.insert(format!("{} {rest}", method.to_uppercase()));
            }
        }
    }
    operations
}

fn set(operations: &[&str]) -> BTreeSet<String> {
    operations.iter().map(|operation| (*operation).to_owned()).collect()
}

/// Every table operation of `APP`.
fn every_operation() -> BTreeSet<String> {
    let mut all = set(&[
        "GET deals/records/{id}/fields/{field}/files/{file}",
        "DELETE deals/records/{id}/fields/{field}/files/{file}",
        "POST deals/records/{id}/fields/{field}/files",
    ]);
    for table in ["deals", "notes", "feedback", "salaries"] {
        for operation in [
            "GET {t}/records",
            "POST {t}/records",
            "GET {t}/records/{id}",
            "PATCH {t}/records/{id}",
            "PUT {t}/records/{id}",
            "DELETE {t}/records/{id}",
            "POST {t}/records/batch",
        ] {
            all.insert(operation.replace("{t}", table));
        }
    }
    all
}

fn has_path(document: &Value, path: &str) -> bool {
    document["paths"].get(path).is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_each_caller_sees_what_it_may_use() {
    let server = Server::start(APP, OpenApiAccess::Permitted).await;
    let (sam, mia, root) = (
        server.sign_in("sam@example.com").await,
        server.sign_in("mia@example.com").await,
        server.sign_in("root@example.com").await,
    );

    let anonymous = server.shown(None).await;
    assert_eq!(
        table_operations(&anonymous),
        set(&[
            "GET notes/records",
            "GET notes/records/{id}",
            "POST feedback/records",
            "POST feedback/records/batch"
        ]),
        "anonymous: reads notes, leaves feedback"
    );
    let schemas = anonymous["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("notes") && schemas.contains_key("feedback"));
    for hidden in ["deals", "dealsCreate", "salaries", "salariesUpdate"] {
        assert!(!schemas.contains_key(hidden), "anonymous sees no schema {hidden}");
    }
    assert!(!anonymous.to_string().contains("salaries"), "no trace of a hidden table");
    assert!(has_path(&anonymous, "/api/auth/sign-in"), "the auth routes are for everyone");
    assert!(!has_path(&anonymous, "/api/auth/users") && !has_path(&anonymous, "/api/schema"));

    let member = server.shown(Some(&sam)).await;
    let mut expected = set(&[
        "GET notes/records",
        "GET notes/records/{id}",
        "POST feedback/records",
        "POST feedback/records/batch",
    ]);
    for operation in every_operation().into_iter().filter(|operation| operation.contains(" deals/records")) {
        expected.insert(operation);
    }
    assert_eq!(table_operations(&member), expected, "a sales rep works deals, within their where");
    assert!(!has_path(&member, "/api/auth/users") && !has_path(&member, "/api/schema"));

    let manager = server.shown(Some(&mia)).await;
    assert_eq!(
        table_operations(&manager),
        set(&[
            "GET notes/records",
            "GET notes/records/{id}",
            "POST feedback/records",
            "POST feedback/records/batch",
            "GET deals/records",
            "GET deals/records/{id}",
            "GET deals/records/{id}/fields/{field}/files/{file}",
        ]),
        "a manager only reads deals"
    );

    let admin = server.shown(Some(&root)).await;
    assert_eq!(table_operations(&admin), every_operation());
    assert!(has_path(&admin, "/api/auth/users") && has_path(&admin, "/api/schema"));

    let (status, content_type, problem) = server.document(Some("forged")).await;
    assert_eq!((status, content_type.as_str()), (401, "application/problem+json"), "{problem}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_sees_the_whole_document_when_the_host_says_so() {
    let server = Server::start(APP, OpenApiAccess::Everyone).await;
    let (sam, root) = (server.sign_in("sam@example.com").await, server.sign_in("root@example.com").await);
    let whole = server.shown(Some(&root)).await;
    assert_eq!(table_operations(&whole), every_operation());
    assert!(has_path(&whole, "/api/auth/users"));
    assert_eq!(server.shown(None).await, whole, "anonymous");
    assert_eq!(server.shown(Some(&sam)).await, whole, "a member");
    assert_eq!(server.shown(Some("forged")).await, whole, "credentials are not read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_see_it_when_the_host_says_so() {
    let server = Server::start(APP, OpenApiAccess::Admins).await;
    let (sam, root) = (server.sign_in("sam@example.com").await, server.sign_in("root@example.com").await);
    for (who, token, status) in [("anonymous", None, 401), ("a member", Some(sam.as_str()), 403)] {
        let (answered, content_type, problem) = server.document(token).await;
        assert_eq!(
            (answered, content_type.as_str()),
            (status, "application/problem+json"),
            "{who}: {problem}"
        );
        assert_eq!(problem["status"], status, "{who}");
        assert!(!problem.to_string().contains("deals"), "{who}: {problem}");
    }
    let whole = server.shown(Some(&root)).await;
    assert_eq!(table_operations(&whole), every_operation());
    assert!(has_path(&whole, "/api/auth/users") && has_path(&whole, "/api/schema"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_without_auth_shows_everyone_the_whole_document() {
    let server = Server::start(NO_AUTH_APP, OpenApiAccess::Permitted).await;
    let anonymous = server.shown(None).await;
    assert_eq!(
        table_operations(&anonymous),
        set(&[
            "GET notes/records",
            "POST notes/records",
            "GET notes/records/{id}",
            "PATCH notes/records/{id}",
            "PUT notes/records/{id}",
            "DELETE notes/records/{id}",
            "POST notes/records/batch",
        ])
    );
    assert!(has_path(&anonymous, "/api/auth/users") && has_path(&anonymous, "/api/schema"));
    let schema = omnera_core::Config::from_json_str(NO_AUTH_APP).unwrap().validate().unwrap();
    assert_eq!(anonymous, omnera_http::openapi_document(&schema), "the whole document");
}

/// Every operation of a document: its path, method and body.
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations.push((path.clone(), method.clone(), operation.clone()));
        }
    }
    operations
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_have_unique_readable_ids_and_say_which_credentials_they_take() {
    let server = Server::start(APP, OpenApiAccess::Permitted).await;
    let root = server.sign_in("root@example.com").await;
    let whole = server.shown(Some(&root)).await;
    let all = operations(&whole);
    let ids: BTreeSet<&str> =
        all.iter().map(|(_, _, operation)| operation["operationId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), all.len(), "every operation has an id of its own");
    let id_of =
        |path: &str, method: &str| whole["paths"][path][method]["operationId"].as_str().unwrap().to_owned();
    assert_eq!(id_of("/api/tables/deals/records", "get"), "listDeals");
    assert_eq!(id_of("/api/tables/deals/records", "post"), "createDeal");
    assert_eq!(id_of("/api/tables/deals/records/{id}", "patch"), "updateDeal");
    assert_eq!(id_of("/api/tables/deals/records/{id}/fields/{field}/files", "post"), "uploadDealFiles");
    assert_eq!(id_of("/api/tables/feedback/records/{id}", "get"), "getFeedback");
    assert_eq!(id_of("/api/auth/sign-in", "post"), "signIn");

    let schemes = &whole["components"]["securitySchemes"];
    assert_eq!(
        (schemes["bearerToken"]["type"].as_str(), schemes["bearerToken"]["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
    assert_eq!(
        (schemes["apiKey"]["in"].as_str(), schemes["apiKey"]["name"].as_str()),
        (Some("header"), Some("X-API-Key"))
    );
    assert_eq!(
        (schemes["sessionCookie"]["in"].as_str(), schemes["sessionCookie"]["name"].as_str()),
        (Some("cookie"), Some("omnera_session"))
    );
    let signed_in = serde_json::json!([{"bearerToken": []}, {"apiKey": []}, {"sessionCookie": []}]);
    assert_eq!(whole["security"], signed_in, "credentials unless an operation says otherwise");
    let security = |path: &str, method: &str| whole["paths"][path][method].get("security").cloned();
    for (path, method) in
        [("/api/auth/sign-in", "post"), ("/api/auth/sign-up", "post"), ("/health/ready", "get")]
    {
        assert_eq!(
            security(path, method),
            Some(serde_json::json!([])),
            "{method} {path} reads no credentials"
        );
    }
    let optional = serde_json::json!([{}, {"bearerToken": []}, {"apiKey": []}, {"sessionCookie": []}]);
    for (path, method) in [
        ("/api/tables/notes/records", "get"),
        ("/api/tables/feedback/records", "post"),
        ("/api/openapi.json", "get"),
    ] {
        assert_eq!(security(path, method), Some(optional.clone()), "anonymous callers may {method} {path}");
    }
    for (path, method) in [
        ("/api/tables/deals/records", "get"),
        ("/api/tables/notes/records", "post"),
        ("/api/auth/session", "get"),
    ] {
        assert_eq!(security(path, method), None, "{method} {path} needs credentials");
    }
    let session = serde_json::json!([{"bearerToken": []}, {"sessionCookie": []}]);
    for (path, method) in [("/api/auth/api-keys", "post"), ("/api/auth/sign-out", "post")] {
        assert_eq!(security(path, method), Some(session.clone()), "{method} {path} needs a session");
    }

    // Each scheme is a way in: a member's API key and session cookie get the member's part.
    let sam = server.sign_in("sam@example.com").await;
    let key = server
        .client
        .post(format!("{}/api/auth/api-keys", server.base))
        .bearer_auth(&sam)
        .json(&serde_json::json!({"name": "docs"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let keys = server.client.get(format!("{}/api/auth/api-keys", server.base)).header("x-api-key", &key);
    assert_eq!(server.answer(keys).await.0, 403, "the session-only routes refuse a key");
    let member = table_operations(&server.shown(Some(&sam)).await);
    assert!(member.contains("GET deals/records"));
    let url = format!("{}/api/openapi.json", server.base);
    for request in [
        server.client.get(&url).header("x-api-key", &key),
        server.client.get(&url).header("cookie", format!("omnera_session={sam}")),
    ] {
        let (status, _, document) = server.answer(request).await;
        assert_eq!((status, table_operations(&document)), (200, member.clone()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_itself_is_public_unless_only_admins_may_read_it() {
    let document_security =
        |document: &Value| document["paths"]["/api/openapi.json"]["get"].get("security").cloned();
    let everyone = Server::start(APP, OpenApiAccess::Everyone).await;
    assert_eq!(document_security(&everyone.shown(None).await), Some(serde_json::json!([])));
    let admins = Server::start(APP, OpenApiAccess::Admins).await;
    let root = admins.sign_in("root@example.com").await;
    assert_eq!(document_security(&admins.shown(Some(&root)).await), None, "the signed-in default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_is_where_the_router_is_mounted() {
    let servers = |document: &Value| document["servers"].clone();
    let plain = Server::start(NO_AUTH_APP, OpenApiAccess::Permitted).await;
    assert_eq!(servers(&plain.shown(None).await), serde_json::json!([{"url": "/"}]));
    let nested = Server::mounted(NO_AUTH_APP, ApiOptions::default(), "/crm").await;
    assert_eq!(servers(&nested.shown(None).await), serde_json::json!([{"url": "/crm"}]));
    let public = ApiOptions::default().with_public_origin("https://app.example.com/");
    let behind_a_proxy = Server::mounted(NO_AUTH_APP, public.clone(), "").await;
    assert_eq!(
        servers(&behind_a_proxy.shown(None).await),
        serde_json::json!([{"url": "https://app.example.com"}])
    );
    let nested = Server::mounted(NO_AUTH_APP, public, "/crm").await;
    assert_eq!(
        servers(&nested.shown(None).await),
        serde_json::json!([{"url": "https://app.example.com/crm"}])
    );
}
