//! Writes through the API leave outbox events that say who wrote and for which request, on
//! SQLite and PostgreSQL: the signed-in user, the request's `X-Request-Id` (the one the client
//! sent, or the one the server made and answered with), cascades included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::backend::UserStore;
use omnera_core::backend::{Actor, ChangeKind, NewUser, Storage};
use reqwest::{Client, Method};
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Notebook", "auth": {
    "roles": ["member"],
    "permissions": [
      {"role": "member", "table": "notes", "actions": ["create", "read", "update", "delete"]},
      {"role": "member", "table": "comments", "actions": ["create", "read", "update", "delete"]}
    ]},
  "tables": [
    {"id": 1, "name": "notes", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text"},
      {"id": 2, "name": "body", "type": "long-text"}]},
    {"id": 2, "name": "comments", "fields": [
      {"id": 1, "name": "text", "type": "single-line-text"},
      {"id": 2, "name": "note", "type": "relationship", "relatedTable": "notes", "onDelete": "cascade"}]}
  ]}"#;

/// Sends a request as `token`, with `request_id` when given; returns the status, the body and
/// the request id the server answered with.
async fn call(
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    request_id: Option<&str>,
) -> (u16, Value, String) {
    let mut request = Client::new().request(method, format!("{base}{path}")).bearer_auth(token);
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let answered = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null), answered)
}

async fn writes_carry_their_author_and_request_on(database_url: &str) {
    let (app, storage) = support::app_with_accounts(APP, database_url).await;
    let password = support::password_hash("password 123");
    let user = storage
        .create_user(NewUser::new("ann@example.com", None, password, vec!["member".to_owned()]))
        .await
        .unwrap()
        .id;
    let base = support::serve_app(app).await;
    let (status, body, _) = call(
        &base,
        "",
        Method::POST,
        "/api/auth/sign-in",
        Some(json!({"email": "ann@example.com", "password": "password 123"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();

    let note = json!({"title": "Plan", "body": "first"});
    let (status, note, _) =
        call(&base, &token, Method::POST, "/api/tables/notes/records", Some(note), Some("req-create")).await;
    assert_eq!(status, 201, "{note}");
    let path = format!("/api/tables/notes/records/{}", note["id"]);
    let comment = json!({"text": "ok", "note": note["id"]});
    call(&base, &token, Method::POST, "/api/tables/comments/records", Some(comment), Some("req-comment"))
        .await;
    let (status, _, _) =
        call(&base, &token, Method::PATCH, &path, Some(json!({"body": "second"})), Some("req-patch")).await;
    assert_eq!(status, 200);
    let (status, _, made) = call(&base, &token, Method::DELETE, &path, None, None).await;
    assert_eq!(status, 204);

    let events = storage.outbox_read("test", 100).await.unwrap();
    let seen: Vec<(&str, ChangeKind, Option<&str>)> =
        events.iter().map(|event| (event.table.as_str(), event.kind, event.request_id.as_deref())).collect();
    assert_eq!(
        seen,
        [
            ("notes", ChangeKind::Created, Some("req-create")),
            ("comments", ChangeKind::Created, Some("req-comment")),
            ("notes", ChangeKind::Updated, Some("req-patch")),
            ("notes", ChangeKind::Deleted, Some(made.as_str())),
            ("comments", ChangeKind::Deleted, Some(made.as_str())),
        ],
        "the delete's events carry the id the server made and answered with"
    );
    assert!(events.iter().all(|event| event.actor == Actor::User(user)), "{events:#?}");
    assert_eq!(events[2].changed_fields, ["body"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_writes_carry_their_author_and_request() {
    writes_carry_their_author_and_request_on(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_writes_carry_their_author_and_request() {
    omnera_sql::testing::on_postgres("the write events API", async |url| {
        writes_carry_their_author_and_request_on(&url).await;
    })
    .await;
}
