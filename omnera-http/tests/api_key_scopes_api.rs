//! An API key made with `scopes` may take only those actions on those tables, within what its
//! user may do, even an admin's; bad scopes are 422s at their own place. On SQLite and
//! PostgreSQL, since the scopes are kept with the key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::accounts::ensure_admin;
use omnera_core::backend::NewUser;
use omnera_core::backend::UserStore;
use reqwest::{Client, Method};
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Scoped", "auth": {
    "roles": ["member"],
    "permissions": [
      {"role": "member", "table": "notes", "actions": ["read", "create"]},
      {"role": "member", "table": "secrets", "actions": ["read"]}
    ]},
  "tables": [
    {"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]},
    {"id": 2, "name": "secrets", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}
  ]}"#;

struct Server {
    base: String,
    client: Client,
}

impl Server {
    /// Sends a request with `credential` as `X-API-Key` (keys start with `omk_`) or a bearer token.
    async fn call(&self, credential: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        request = if credential.starts_with("omk_") {
            request.header("x-api-key", credential)
        } else {
            request.bearer_auth(credential)
        };
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn sign_in(&self, email: &str) -> String {
        let body = json!({"email": email, "password": "password 123"});
        let response =
            self.client.post(format!("{}/api/auth/sign-in", self.base)).json(&body).send().await.unwrap();
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    async fn key(&self, session: &str, scopes: Value) -> String {
        let body = json!({"name": "scoped", "scopes": scopes});
        let (status, made) = self.call(session, Method::POST, "/api/auth/api-keys", Some(body)).await;
        assert_eq!(status, 201, "{made}");
        made["key"].as_str().unwrap().to_owned()
    }
}

async fn scoped_keys_stay_in_their_scopes(database_url: &str) {
    let (app, storage) = support::app_with_accounts(APP, database_url).await;
    let member = NewUser::new(
        "ann@example.com",
        None,
        support::password_hash("password 123"),
        vec!["member".to_owned()],
    );
    storage.create_user(member).await.unwrap();
    ensure_admin(&storage, "root@example.com", "password 123").await.unwrap();
    let server = Server { base: support::serve_app(app).await, client: Client::new() };
    let ann = server.sign_in("ann@example.com").await;
    let root = server.sign_in("root@example.com").await;
    let (status, secret) =
        server.call(&root, Method::POST, "/api/tables/secrets/records", Some(json!({"body": "s"}))).await;
    assert_eq!(status, 201, "{secret}");
    let secret = format!("/api/tables/secrets/records/{}", secret["id"]);

    let read_notes = server.key(&ann, json!([{"table": "notes", "actions": ["read"]}])).await;
    let steps = [
        (Method::GET, "/api/tables/notes/records", None, 200, "read notes, in scope"),
        (
            Method::POST,
            "/api/tables/notes/records",
            Some(json!({"body": "x"})),
            403,
            "create notes: Ann may, the key may not",
        ),
        (Method::GET, "/api/tables/secrets/records", None, 403, "read secrets: Ann may, the key may not"),
    ];
    for (method, path, body, status, what) in steps {
        let (got, answer) = server.call(&read_notes, method, path, body).await;
        assert_eq!(got, status, "{what}: {answer}");
    }
    let (status, answer) =
        server.call(&ann, Method::POST, "/api/tables/notes/records", Some(json!({"body": "x"}))).await;
    assert_eq!(status, 201, "Ann's session is not limited: {answer}");
    let beyond = server.key(&ann, json!([{"table": "secrets", "actions": ["read", "delete"]}])).await;
    let (status, _) = server.call(&beyond, Method::GET, "/api/tables/secrets/records", None).await;
    assert_eq!(status, 200);
    let (status, _) = server.call(&beyond, Method::DELETE, &secret, None).await;
    assert_eq!(status, 403, "a scope never gives more than the user has");

    let (status, listed) = server.call(&ann, Method::GET, "/api/auth/api-keys", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["data"][0]["scopes"], json!([{"table": "notes", "actions": ["read"]}]));

    let bad =
        json!({"name": "bad", "scopes": [{"table": "nope", "actions": ["read", "fly"]}, {"table": "notes"}]});
    let (status, problem) = server.call(&ann, Method::POST, "/api/auth/api-keys", Some(bad)).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect();
    assert_eq!(
        (status, fields),
        (422, vec!["scopes[0].table", "scopes[0].actions", "scopes[1].actions"]),
        "{problem}"
    );

    let scoped_admin = server.key(&root, json!([{"table": "notes", "actions": ["read"]}])).await;
    let (status, _) = server.call(&scoped_admin, Method::GET, "/api/tables/secrets/records", None).await;
    assert_eq!(status, 403, "an admin's scoped key stays in its scopes");
    let (status, _) = server.call(&scoped_admin, Method::GET, "/api/auth/users", None).await;
    assert_eq!(status, 403, "and does not reach the users API");
    let whole_admin = server.key(&root, Value::Null).await;
    let (status, _) = server.call(&whole_admin, Method::GET, "/api/auth/users", None).await;
    assert_eq!(status, 200, "an admin's key without scopes does");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_keys_stay_in_their_scopes_on_sqlite() {
    scoped_keys_stay_in_their_scopes(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scoped_keys_stay_in_their_scopes_on_postgres() {
    omnera_sql::testing::on_postgres("API key scopes", async |url| {
        scoped_keys_stay_in_their_scopes(&url).await;
    })
    .await;
}
