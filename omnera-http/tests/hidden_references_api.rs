//! A reference to a row the caller may not read gets the same 422 as a reference to a row that
//! does not exist, on every write that can set one (create, create-many, PATCH, PUT, batch), on
//! SQLite and PostgreSQL; so no answer tells that a hidden row exists.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::backend::NewUser;
use omnera_core::backend::UserStore;
use reqwest::{Client, Method};
use serde_json::{Value, json};

/// Members read and write their own contacts only; they log calls, each linked to a contact and
/// to any number of contacts as attendees.
const APP: &str = r#"{"name": "Calls", "auth": {
    "roles": ["member"],
    "permissions": [
      {"role": "member", "table": "contacts", "actions": ["read", "create", "update"], "where": "owner = @user.id"},
      {"role": "member", "table": "calls", "actions": ["read", "create", "update"]}
    ]},
  "tables": [
    {"id": 1, "name": "contacts", "fields": [
      {"id": 1, "name": "name", "type": "single-line-text", "required": true},
      {"id": 2, "name": "owner", "type": "integer"}]},
    {"id": 2, "name": "calls", "fields": [
      {"id": 1, "name": "subject", "type": "single-line-text"},
      {"id": 2, "name": "contact", "type": "relationship", "relatedTable": "contacts"},
      {"id": 3, "name": "attendees", "type": "relationship", "relatedTable": "contacts", "relationType": "many-to-many"}]}
  ]}"#;

struct Member {
    base: String,
    client: Client,
    token: String,
}

impl Member {
    async fn call(&self, method: Method, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }
}

async fn references_to_hidden_rows_look_missing(database_url: &str) {
    let (app, storage) = support::app_with_accounts(APP, database_url).await;
    let hash = support::password_hash("password 123");
    let mut users = Vec::new();
    for email in ["ann@example.com", "bob@example.com"] {
        let user = storage.create_user(NewUser::new(email, None, hash.clone(), vec!["member".to_owned()]));
        users.push(user.await.unwrap().id);
    }
    let base = support::serve_app(app).await;
    let client = Client::new();
    let mut members = Vec::new();
    for email in ["ann@example.com", "bob@example.com"] {
        let signed_in: Value = client
            .post(format!("{base}/api/auth/sign-in"))
            .json(&json!({"email": email, "password": "password 123"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = signed_in["token"].as_str().unwrap().to_owned();
        members.push(Member { base: base.clone(), client: client.clone(), token });
    }
    let (ann, bob) = (&members[0], &members[1]);
    let contacts = "/api/tables/contacts/records";
    let (status, own) = ann.call(Method::POST, contacts, json!({"name": "Ann's", "owner": users[0]})).await;
    assert_eq!(status, 201, "{own}");
    let (status, hidden) =
        bob.call(Method::POST, contacts, json!({"name": "Bob's", "owner": users[1]})).await;
    assert_eq!(status, 201, "{hidden}");
    let (own, hidden, missing) = (own["id"].as_i64().unwrap(), hidden["id"].as_i64().unwrap(), 4242);

    let calls = "/api/tables/calls/records";
    let (status, call) = ann.call(Method::POST, calls, json!({"subject": "kept", "contact": own})).await;
    assert_eq!(status, 201, "a reference to a row one may read is fine: {call}");
    let call = format!("{calls}/{}", call["id"]);
    let writes = [
        (Method::POST, calls.to_owned(), json!({"contact": "@ID"})),
        (Method::POST, calls.to_owned(), json!([{"subject": "fine"}, {"attendees": [own, "@ID"]}])),
        (Method::PATCH, call.clone(), json!({"contact": "@ID"})),
        (Method::PUT, call.clone(), json!({"subject": "replaced", "attendees": ["@ID"]})),
        (Method::POST, format!("{calls}/batch"), json!({"create": [{"contact": "@ID"}]})),
    ];
    for (method, path, template) in writes {
        let answers: Vec<(u16, Value)> = {
            let mut answers = Vec::new();
            for target in [hidden, missing] {
                let body =
                    serde_json::from_str(&template.to_string().replace("\"@ID\"", &target.to_string()))
                        .unwrap();
                let (status, mut answer) = ann.call(method.clone(), &path, body).await;
                answer.as_object_mut().map(|problem| problem.remove("requestId"));
                answers.push((status, answer));
            }
            answers
        };
        assert_eq!(answers[0].0, 422, "{method} {path}: {}", answers[0].1);
        assert_eq!(answers[0], answers[1], "{method} {path}: a hidden row answers as a missing one");
    }
    let (_, kept) = ann.call(Method::GET, &call, Value::Null).await;
    assert_eq!(
        (kept["subject"].as_str(), kept["contact"].as_i64()),
        (Some("kept"), Some(own)),
        "nothing was written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_to_hidden_rows_look_missing_on_sqlite() {
    references_to_hidden_rows_look_missing(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_to_hidden_rows_look_missing_on_postgres() {
    omnera_sql::testing::on_postgres("hidden references", async |url| {
        references_to_hidden_rows_look_missing(&url).await;
    })
    .await;
}
