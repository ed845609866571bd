//! The account flows around sign-in, end to end on SQLite and PostgreSQL: email verification and
//! password resets through the app's mailer, password changes, the limit on failed sign-ins, the
//! users API and `/api/schema` for admins.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use omnera_core::accounts::ensure_admin;
use omnera_core::backend::RecordingMailer;
use omnera_core::{App, Config};
use omnera_sql::SqlStorage;
use serde_json::{Value, json};

const APP: &str = r#"{"name": "Accounts", "auth": {"roles": ["member", "editor"], "defaultRoles": ["member"],
    "signUp": "open", "requireVerifiedEmail": true},
    "tables": [{"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}]}"#;
const ADMIN: (&str, &str) = ("root@example.com", "admin password");

struct Server {
    base: String,
    client: reqwest::Client,
    mailer: RecordingMailer,
}

impl Server {
    async fn start(database_url: &str) -> Self {
        let storage = SqlStorage::connect(database_url).await.unwrap();
        let mailer = RecordingMailer::default();
        let app = App::from_config(Config::from_json_str(APP).unwrap())
            .with_storage(storage.clone())
            .with_accounts(storage.clone())
            .with_mailer(mailer.clone())
            .build()
            .await
            .unwrap();
        ensure_admin(&storage, ADMIN.0, ADMIN.1).await.unwrap();
        Self { base: support::serve_app(app).await, client: reqwest::Client::new(), mailer }
    }

    /// Sends a request; returns the status and the JSON body (or null), with any `Retry-After`
    /// header copied into the body as `retryAfterHeader`.
    async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let mut request = self.client.request(method.parse().unwrap(), url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").map(|value| value.to_str().unwrap().to_owned());
        let mut body: Value = response.json().await.unwrap_or(Value::Null);
        if let Some(seconds) = retry_after {
            body["retryAfterHeader"] = json!(seconds);
        }
        (status, body)
    }

    async fn sign_in(&self, email: &str, password: &str) -> (u16, Value) {
        self.send("POST", "/api/auth/sign-in", None, Some(json!({"email": email, "password": password})))
            .await
    }

    async fn token(&self, email: &str, password: &str) -> String {
        let (status, body) = self.sign_in(email, password).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// The code in the newest email to `to`, with its subject.
    fn mailed_code(&self, to: &str) -> (String, String) {
        let email = self.mailer.sent().into_iter().rev().find(|email| email.to == [to]).expect("an email");
        let text = email.text.unwrap();
        let code = text
            .split_whitespace()
            .find(|word| word.len() == 64 && word.chars().all(|c| c.is_ascii_hexdigit()))
            .expect("a code in the email")
            .to_owned();
        (email.subject, code)
    }
}

async fn email_verification(server: &Server) {
    let (status, body) = server
        .send(
            "POST",
            "/api/auth/sign-up",
            None,
            Some(json!({"email": "ann@example.com", "password": "first password"})),
        )
        .await;
    assert_eq!((status, &body), (201, &body_of_new_sign_up()));
    let (subject, code) = server.mailed_code("ann@example.com");
    assert!(subject.starts_with("Verify your email address"), "{subject}");
    let (status, body) = server.sign_in("ann@example.com", "first password").await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "unverified: {body}");

    let verify = "/api/auth/email/verify";
    let (status, _) = server.send("POST", verify, None, Some(json!({"token": "0".repeat(64)}))).await;
    assert_eq!(status, 401, "a made-up code");
    let (status, body) = server.send("POST", verify, None, Some(json!({"token": code}))).await;
    assert_eq!((status, &body["user"]["emailVerified"]), (200, &json!(true)), "{body}");
    let (status, _) = server.send("POST", verify, None, Some(json!({"token": code}))).await;
    assert_eq!(status, 401, "a code works once");
    let (status, _) = server.send("POST", verify, None, Some(json!({"token": code, "email": "x@y.z"}))).await;
    assert_eq!(status, 400, "either a code or an address");
    server.token("ann@example.com", "first password").await;

    let again = json!({"email": "ann@example.com", "password": "someone else's"});
    let (status, second) = server.send("POST", "/api/auth/sign-up", None, Some(again)).await;
    assert_eq!((status, &second), (201, &body_of_new_sign_up()), "a taken address is not told apart");
    let notice = server.mailer.sent().into_iter().last().unwrap();
    assert_eq!(notice.to, ["ann@example.com"], "the owner is told by mail instead");
    assert!(notice.text.unwrap().contains("already has an account"));
    server.token("ann@example.com", "first password").await;
}

/// What every sign-up of ann@example.com answers, whether the address was free or taken.
fn body_of_new_sign_up() -> Value {
    json!({"email": "ann@example.com", "message": "signed up: check the inbox of this address for what comes next"})
}

async fn password_reset(server: &Server) {
    let old_session = server.token("ann@example.com", "first password").await;
    let sent_before = server.mailer.sent().len();
    let forgot = "/api/auth/password/forgot";
    let (status, _) = server.send("POST", forgot, None, Some(json!({"email": "nobody@example.com"}))).await;
    assert_eq!((status, server.mailer.sent().len()), (204, sent_before), "no account, no email, same answer");
    let (status, _) = server.send("POST", forgot, None, Some(json!({"email": "Ann@Example.com"}))).await;
    assert_eq!(status, 204);
    let (subject, code) = server.mailed_code("ann@example.com");
    assert!(subject.starts_with("Reset your password"), "{subject}");

    let reset = "/api/auth/password/reset";
    let (status, body) =
        server.send("POST", reset, None, Some(json!({"token": code, "password": "short"}))).await;
    assert_eq!((status, body["errors"][0]["code"].as_str()), (422, Some("too_short")), "{body}");
    let (status, _) = server
        .send("POST", reset, None, Some(json!({"token": "1".repeat(64), "password": "second password"})))
        .await;
    assert_eq!(status, 401, "a made-up code");
    let (status, _) =
        server.send("POST", reset, None, Some(json!({"token": code, "password": "second password"}))).await;
    assert_eq!(status, 204);
    let (status, _) = server.send("GET", "/api/auth/session", Some(&old_session), None).await;
    assert_eq!(status, 401, "a reset ends every session");
    assert_eq!(server.sign_in("ann@example.com", "first password").await.0, 401);
    server.token("ann@example.com", "second password").await;
}

async fn password_change(server: &Server) {
    let other_session = server.token("ann@example.com", "second password").await;
    let session = server.token("ann@example.com", "second password").await;
    let change = "/api/auth/password/change";
    let wrong = json!({"currentPassword": "not my password", "newPassword": "third password"});
    assert_eq!(server.send("POST", change, Some(&session), Some(wrong)).await.0, 401);
    let body = json!({"currentPassword": "second password", "newPassword": "third password"});
    assert_eq!(server.send("POST", change, None, Some(body.clone())).await.0, 401, "not signed in");
    assert_eq!(server.send("POST", change, Some(&session), Some(body)).await.0, 204);
    assert_eq!(
        server.send("GET", "/api/auth/session", Some(&session), None).await.0,
        200,
        "this session stays"
    );
    assert_eq!(
        server.send("GET", "/api/auth/session", Some(&other_session), None).await.0,
        401,
        "others end"
    );
    server.token("ann@example.com", "third password").await;
}

/// Failures past the free ones make the next try wait, twice as long each time; nobody is
/// locked out: once the wait is over, the right password works.
async fn failed_sign_ins_slow_down_further_tries(server: &Server) {
    for _ in 0..6 {
        assert_eq!(server.sign_in("ann@example.com", "guess").await.0, 401);
    }
    let (status, body) = server.sign_in("ann@example.com", "third password").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("rate_limited")),
        "even the right password waits: {body}"
    );
    let seconds: u64 = body["retryAfterHeader"].as_str().unwrap().parse().unwrap();
    assert_eq!(seconds, 1, "one failure past the five free ones waits a second");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(server.sign_in("ann@example.com", "third password").await.0, 200, "then it works");

    // The client address has its own, larger allowance, across accounts.
    let mut limited = None;
    for attempt in 0..30 {
        let (status, body) = server.sign_in(&format!("stranger{attempt}@example.com"), "guess").await;
        if status == 429 {
            limited = Some(body);
            break;
        }
        assert_eq!(status, 401, "attempt {attempt}: {body}");
    }
    let body = limited.expect("the address waits after its free failures");
    let seconds: u64 = body["retryAfterHeader"].as_str().unwrap().parse().unwrap();
    assert_eq!(server.sign_in(ADMIN.0, ADMIN.1).await.0, 429, "the admin at the same address waits too");
    tokio::time::sleep(std::time::Duration::from_millis(seconds * 1000 + 100)).await;
    assert_eq!(server.sign_in(ADMIN.0, ADMIN.1).await.0, 200, "and gets in once the wait is over");
}

async fn users_api_and_schema(server: &Server) {
    let admin = server.token(ADMIN.0, ADMIN.1).await;
    let body = json!({"email": "bob@example.com", "password": "bob password"});
    assert_eq!(server.send("POST", "/api/auth/sign-up", None, Some(body)).await.0, 201);
    let bob = server.send("GET", "/api/auth/users?limit=1&page=3", Some(&admin), None).await;
    assert_eq!(bob.0, 200, "{}", bob.1);
    assert_eq!(bob.1["pagination"]["total"], 3, "the admin, Ann and Bob");
    assert_eq!(
        (bob.1["pagination"]["hasPrev"].as_bool(), bob.1["pagination"]["hasNext"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(bob.1["pagination"].get("nextCursor").is_none(), "no cursors here: {}", bob.1);
    let bob_id = bob.1["data"][0]["id"].as_i64().unwrap();
    assert_eq!(bob.1["data"][0]["email"], "bob@example.com");
    let uncounted = server.send("GET", "/api/auth/users?limit=1&count=none", Some(&admin), None).await;
    assert_eq!(uncounted.0, 200, "{}", uncounted.1);
    let pagination = &uncounted.1["pagination"];
    assert_eq!(
        (pagination.get("total"), pagination.get("totalPages"), pagination["hasNext"].as_bool()),
        (None, None, Some(true))
    );
    assert_eq!(server.send("GET", "/api/auth/users?count=some", Some(&admin), None).await.0, 400);
    assert_eq!(server.send("GET", "/api/auth/users?after=abc", Some(&admin), None).await.0, 400);
    assert_eq!(server.send("GET", "/api/auth/users?limit=0", Some(&admin), None).await.0, 400);
    assert_eq!(server.send("GET", "/api/auth/users?sort=email", Some(&admin), None).await.0, 400);
    assert_eq!(server.send("GET", "/api/auth/users", None, None).await.0, 401);
    assert_eq!(server.send("GET", "/api/schema", None, None).await.0, 401);
    let (status, schema) = server.send("GET", "/api/schema", Some(&admin), None).await;
    assert_eq!(
        (status, &schema["name"], &schema["auth"]["defaultRoles"]),
        (200, &json!("Accounts"), &json!(["member"]))
    );

    let path = format!("/api/auth/users/{bob_id}");
    let (status, body) = server
        .send("PATCH", &path, Some(&admin), Some(json!({"roles": ["editor", "owner"], "disabled": "yes"})))
        .await;
    let codes: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!((status, codes), (422, vec!["unknown_role", "invalid_type"]), "{body}");
    let (status, body) = server.send("PATCH", &path, Some(&admin), Some(json!({"roles": ["editor"]}))).await;
    assert_eq!((status, &body["roles"]), (200, &json!(["editor"])), "{body}");
    assert_eq!(server.send("PATCH", "/api/auth/users/999999", Some(&admin), Some(json!({}))).await.0, 404);

    let (_, code) = server.mailed_code("bob@example.com");
    assert_eq!(
        server.send("POST", "/api/auth/email/verify", None, Some(json!({"token": code}))).await.0,
        200
    );
    let bob_token = server.token("bob@example.com", "bob password").await;
    assert_eq!(server.send("GET", "/api/auth/users", Some(&bob_token), None).await.0, 403);
    assert_eq!(server.send("GET", "/api/schema", Some(&bob_token), None).await.0, 403);
    let (_, key) =
        server.send("POST", "/api/auth/api-keys", Some(&bob_token), Some(json!({"name": "cli"}))).await;
    let bob_key = key["key"].as_str().unwrap().to_owned();
    let (status, body) = server.send("PATCH", &path, Some(&admin), Some(json!({"disabled": true}))).await;
    assert_eq!((status, &body["disabled"]), (200, &json!(true)));
    assert_eq!(
        server.send("GET", "/api/auth/session", Some(&bob_token), None).await.0,
        401,
        "session stopped"
    );
    assert_eq!(server.send("GET", "/api/auth/session", Some(&bob_key), None).await.0, 401, "key stopped");
    assert_eq!(server.sign_in("bob@example.com", "bob password").await.0, 401, "cannot sign in");

    let admin_id = server.send("GET", "/api/auth/session", Some(&admin), None).await.1["user"]["id"].clone();
    let own = format!("/api/auth/users/{admin_id}");
    let (status, body) =
        server.send("PATCH", &own, Some(&admin), Some(json!({"disabled": true, "roles": []}))).await;
    let codes: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!((status, codes), (422, vec!["own_admin_role", "own_account"]), "an app keeps its admin");
}

async fn account_flows_on(database_url: &str) {
    let server = Server::start(database_url).await;
    email_verification(&server).await;
    password_reset(&server).await;
    password_change(&server).await;
    users_api_and_schema(&server).await;
    failed_sign_ins_slow_down_further_tries(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_flows_on_sqlite() {
    account_flows_on(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_flows_on_postgres() {
    omnera_sql::testing::on_postgres("the account flows", async |url| account_flows_on(&url).await).await;
}
