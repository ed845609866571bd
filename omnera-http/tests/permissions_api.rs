//! Permissions end to end, on SQLite and PostgreSQL: row filters compiled into lists, a row
//! another role owns is a 404, a row one may read but not change is a 403, no credentials a 401,
//! and a create or change that would leave the rows a `where` allows is a 403 that writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::backend::{AccountStore, LogMailer, NewUser};
use omnera_core::{App, Config};
use omnera_http::ensure_admin;
use omnera_sql::SqlStorage;
use reqwest::{Client, Method};
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Sales", "auth": {
    "roles": ["sales", "manager"],
    "permissions": [
      {"role": "sales", "table": "deals", "actions": ["read", "update", "delete"], "where": "owner_id = @user.id"},
      {"role": "sales", "table": "deals", "actions": ["create"], "where": "owner_id = @user.id"},
      {"role": "manager", "table": "deals", "actions": ["read"]},
      {"role": "anonymous", "table": "notes", "actions": ["read"]}
    ]},
  "tables": [
    {"id": 1, "name": "deals", "fields": [
      {"id": 1, "name": "title", "type": "single-line-text", "required": true},
      {"id": 2, "name": "owner_id", "type": "integer"}]},
    {"id": 2, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}
  ]}"#;

/// What a step checks, whose token it uses, the request, and the status it must get.
type Step<'t> = (&'static str, Option<&'t str>, Method, String, Option<Value>, u16);

struct Server {
    base: String,
    client: Client,
}

impl Server {
    async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn sign_in(&self, email: &str) -> String {
        let (status, body) = self
            .call(
                None,
                Method::POST,
                "/api/auth/sign-in",
                Some(json!({"email": email, "password": "password 123"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

async fn permissions_hold_on(database_url: &str) {
    let storage = SqlStorage::connect(database_url).await.unwrap();
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(storage.clone())
        .with_accounts(storage.clone())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    let hash = |_: ()| {
        use argon2::password_hash::PasswordHasher;
        argon2::Argon2::default().hash_password(b"password 123").unwrap().to_string()
    };
    let mut ids = Vec::new();
    for (email, role) in
        [("ann@example.com", "sales"), ("bob@example.com", "sales"), ("mia@example.com", "manager")]
    {
        ids.push(
            storage.create_user(NewUser::new(email, None, hash(()), vec![role.to_owned()])).await.unwrap().id,
        );
    }
    ensure_admin(&storage, "root@example.com", "password 123").await.unwrap();
    let server = Server { base: support::serve_app(app).await, client: Client::new() };
    let (ann, bob, mia, root) = (
        server.sign_in("ann@example.com").await,
        server.sign_in("bob@example.com").await,
        server.sign_in("mia@example.com").await,
        server.sign_in("root@example.com").await,
    );
    let deals = "/api/tables/deals/records";
    let (status, ann_deal) = server
        .call(Some(&ann), Method::POST, deals, Some(json!({"title": "Ann's", "owner_id": ids[0]})))
        .await;
    assert_eq!(status, 201, "{ann_deal}");
    let (status, bob_deal) = server
        .call(Some(&bob), Method::POST, deals, Some(json!({"title": "Bob's", "owner_id": ids[1]})))
        .await;
    assert_eq!(status, 201, "{bob_deal}");
    let (ann_id, bob_id) = (ann_deal["id"].as_i64().unwrap(), bob_deal["id"].as_i64().unwrap());
    let titles = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|deal| deal["title"].as_str().unwrap().to_owned())
            .collect()
    };

    let steps: Vec<Step<'_>> = vec![
        ("anonymous may not list deals", None, Method::GET, deals.to_owned(), None, 401),
        ("anonymous may not create", None, Method::POST, deals.to_owned(), Some(json!({"title": "x"})), 401),
        (
            "a forged token is a 401 even where anonymous may read",
            Some("forged"),
            Method::GET,
            "/api/tables/notes/records".to_owned(),
            None,
            401,
        ),
        ("anonymous may read notes", None, Method::GET, "/api/tables/notes/records".to_owned(), None, 200),
        ("ann reads her deal", Some(&ann), Method::GET, format!("{deals}/{ann_id}"), None, 200),
        ("ann cannot see bob's deal", Some(&ann), Method::GET, format!("{deals}/{bob_id}"), None, 404),
        (
            "nor change it",
            Some(&ann),
            Method::PATCH,
            format!("{deals}/{bob_id}"),
            Some(json!({"title": "mine"})),
            404,
        ),
        ("nor delete it", Some(&ann), Method::DELETE, format!("{deals}/{bob_id}"), None, 404),
        (
            "ann changes her deal",
            Some(&ann),
            Method::PATCH,
            format!("{deals}/{ann_id}"),
            Some(json!({"title": "Ann's, won"})),
            200,
        ),
        ("mia reads bob's deal", Some(&mia), Method::GET, format!("{deals}/{bob_id}"), None, 200),
        (
            "but may not change it",
            Some(&mia),
            Method::PATCH,
            format!("{deals}/{bob_id}"),
            Some(json!({"title": "x"})),
            403,
        ),
        ("nor delete it", Some(&mia), Method::DELETE, format!("{deals}/{bob_id}"), None, 403),
        ("nor create deals", Some(&mia), Method::POST, deals.to_owned(), Some(json!({"title": "x"})), 403),
        (
            "ann may not touch notes",
            Some(&ann),
            Method::POST,
            "/api/tables/notes/records".to_owned(),
            Some(json!({"body": "x"})),
            403,
        ),
        (
            "a batch that reaches bob's deal fails whole",
            Some(&ann),
            Method::POST,
            format!("{deals}/batch"),
            Some(json!({"update": [{"id": ann_id, "title": "again"}, {"id": bob_id, "title": "stolen"}]})),
            404,
        ),
        (
            "ann may not create a deal for bob",
            Some(&ann),
            Method::POST,
            deals.to_owned(),
            Some(json!({"title": "for Bob", "owner_id": ids[1]})),
            403,
        ),
        (
            "nor hand her deal to bob",
            Some(&ann),
            Method::PATCH,
            format!("{deals}/{ann_id}"),
            Some(json!({"owner_id": ids[1]})),
            403,
        ),
        (
            "a batch creating one deal for bob fails whole",
            Some(&ann),
            Method::POST,
            format!("{deals}/batch"),
            Some(
                json!({"create": [{"title": "mine too", "owner_id": ids[0]}, {"title": "his", "owner_id": ids[1]}]}),
            ),
            403,
        ),
        ("root may do anything", Some(&root), Method::DELETE, format!("{deals}/{bob_id}"), None, 204),
    ];
    let mut failures = Vec::new();
    for (what, token, method, path, body, expected) in steps {
        let (status, response) = server.call(token, method.clone(), &path, body).await;
        if status != expected {
            failures.push(format!("{what}: {method} {path} gave {status}, expected {expected}: {response}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let (_, listed) = server.call(Some(&ann), Method::GET, deals, None).await;
    assert_eq!(titles(&listed), ["Ann's, won"], "a list holds only the rows the caller may read");
    let (_, filtered) =
        server.call(Some(&ann), Method::GET, &format!("{deals}?filter=title~'bob'"), None).await;
    assert_eq!(filtered["pagination"]["total"], 0, "the caller's filter cannot widen the permission's");
    let (_, everything) = server.call(Some(&mia), Method::GET, deals, None).await;
    assert_eq!(titles(&everything), ["Ann's, won"], "bob's deal is gone, and refused writes left nothing");
    let (_, still) = server.call(Some(&root), Method::GET, &format!("{deals}/{ann_id}"), None).await;
    assert_eq!(still["title"], "Ann's, won", "the failed batch changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_on_sqlite() {
    permissions_hold_on(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_on_postgres() {
    let Some(admin) = omnera_sql::testing::postgres_admin_url("the permissions") else { return };
    permissions_hold_on(&omnera_sql::testing::postgres_database(&admin).await).await;
    omnera_sql::testing::drop_postgres_databases(&admin).await;
}
