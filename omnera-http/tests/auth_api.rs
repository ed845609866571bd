//! Sign-up, sign-in, sessions and sign-out end to end, on SQLite and PostgreSQL, with the unhappy
//! paths: bad passwords, unknown accounts, forged and expired tokens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use chrono::{Duration, Utc};
use omnera_core::accounts::ensure_admin;
use omnera_core::backend::{ApiKeyStore, SessionStore, UserStore};
use omnera_core::backend::{NewApiKey, UserChanges};
use omnera_sql::SqlStorage;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const APP: &str = r#"{"name": "Accounts", "auth": {"roles": ["member"], "defaultRoles": ["member"], "signUp": "open"},
    "tables": [{"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}]}"#;

async fn serve(database_url: &str, config: &str) -> (String, SqlStorage) {
    let (app, storage) = support::app_with_accounts(config, database_url).await;
    (support::serve_app(app).await, storage)
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> (u16, Value, Option<String>) {
    let response = client.post(url).json(&body).send().await.unwrap();
    let cookie = response.headers().get("set-cookie").map(|value| value.to_str().unwrap().to_owned());
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null), cookie)
}

async fn session_status(client: &reqwest::Client, base: &str, header: Option<(&str, String)>) -> u16 {
    let mut request = client.get(format!("{base}/api/auth/session"));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn accounts_work_on(database_url: &str) {
    let (base, storage) = serve(database_url, APP).await;
    let client = reqwest::Client::new();
    let sign_up = format!("{base}/api/auth/sign-up");
    let (status, body, _) = post(
        &client,
        sign_up.clone(),
        json!({"email": "Ann@Example.COM", "password": "long enough", "name": "Ann"}),
    )
    .await;
    assert_eq!((status, body["email"].as_str()), (201, Some("ann@example.com")), "{body}");
    assert!(body.get("user").is_none(), "the answer says nothing of the account: {body}");
    let (status, again, _) =
        post(&client, sign_up.clone(), json!({"email": "ann@example.com", "password": "another one"})).await;
    assert_eq!((status, &again), (201, &body), "a taken address gets the same answer as a new one");
    let (ann, _) = storage.user_by_email("ann@example.com").await.unwrap().unwrap();
    assert_eq!((ann.name.as_deref(), ann.roles.clone()), (Some("Ann"), vec!["member".to_owned()]));
    let (status, body, _) = post(
        &client,
        sign_up.clone(),
        json!({"email": "not-an-address", "password": "short", "admin": true}),
    )
    .await;
    let codes: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|error| error["code"].as_str().unwrap()).collect();
    assert_eq!((status, codes), (422, vec!["unknown_field", "invalid_email", "too_short"]));

    let sign_in = format!("{base}/api/auth/sign-in");
    for wrong in [
        json!({"email": "ann@example.com", "password": "wrong password"}),
        json!({"email": "nobody@example.com", "password": "long enough"}),
    ] {
        let (status, body, _) = post(&client, sign_in.clone(), wrong).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    }
    let (status, body, cookie) =
        post(&client, sign_in.clone(), json!({"email": "ANN@example.com", "password": "long enough"})).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    assert_eq!(session_status(&client, &base, Some(("authorization", format!("Bearer {token}")))).await, 200);
    assert_eq!(
        session_status(&client, &base, Some(("cookie", format!("omnera_session={token}")))).await,
        200
    );
    assert_eq!(session_status(&client, &base, None).await, 401);
    assert_eq!(
        session_status(&client, &base, Some(("authorization", format!("Bearer {}", "f".repeat(64))))).await,
        401,
        "a forged token"
    );

    let expired = "e".repeat(64);
    let hash = format!("{:x}", Sha256::digest(expired.as_bytes()));
    let user_id = storage.user_by_email("ann@example.com").await.unwrap().unwrap().0.id;
    storage.create_session(user_id, &hash, Utc::now() - Duration::minutes(1)).await.unwrap();
    assert_eq!(
        session_status(&client, &base, Some(("authorization", format!("Bearer {expired}")))).await,
        401,
        "an expired token"
    );

    let keys = format!("{base}/api/auth/api-keys");
    let created = client.post(&keys).bearer_auth(&token).json(&json!({"name": "ci"})).send().await.unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("omk_"), "{created}");
    assert_eq!(session_status(&client, &base, Some(("x-api-key", key.clone()))).await, 200);
    assert_eq!(session_status(&client, &base, Some(("authorization", format!("Bearer {key}")))).await, 200);
    let listed: Value = client.get(&keys).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"][0]["name"], "ci");
    // A key acts as its user on the data, but cannot manage the account's credentials: a
    // leaked key must not mint more keys, change the password or sign sessions out.
    let with_key = |request: reqwest::RequestBuilder| request.header("x-api-key", &key).send();
    let attempts = [
        ("list keys", with_key(client.get(&keys)).await.unwrap()),
        ("make a key", with_key(client.post(&keys).json(&json!({"name": "more"}))).await.unwrap()),
        ("revoke a key", with_key(client.delete(format!("{keys}/{}", created["id"]))).await.unwrap()),
        (
            "change the password",
            with_key(
                client
                    .post(format!("{base}/api/auth/password/change"))
                    .json(&json!({"currentPassword": "long enough", "newPassword": "taken over"})),
            )
            .await
            .unwrap(),
        ),
        ("sign out", with_key(client.post(format!("{base}/api/auth/sign-out"))).await.unwrap()),
    ];
    for (what, response) in attempts {
        assert_eq!(response.status().as_u16(), 403, "a key may not {what}");
    }
    assert_eq!(
        with_key(client.get(format!("{base}/api/auth/session"))).await.unwrap().status().as_u16(),
        200,
        "the key still works, and the password is unchanged"
    );
    assert!(listed["data"][0].get("key").is_none(), "a key is shown only when it is made");
    let bad = client
        .post(&keys)
        .bearer_auth(&token)
        .json(&json!({"expiresAt": "yesterday", "scope": "all"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 422);
    assert_eq!(client.post(&keys).json(&json!({"name": "x"})).send().await.unwrap().status().as_u16(), 401);
    let expired_key = "omk_expired";
    let expired_hash = format!("{:x}", Sha256::digest(expired_key.as_bytes()));
    storage
        .create_api_key(
            user_id,
            NewApiKey::new("old", expired_hash).expiring_at(Some(Utc::now() - Duration::minutes(1))),
        )
        .await
        .unwrap();
    assert_eq!(
        session_status(&client, &base, Some(("x-api-key", expired_key.to_owned()))).await,
        401,
        "an expired key"
    );
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        client.delete(format!("{keys}/{id}")).bearer_auth(&token).send().await.unwrap().status().as_u16(),
        204
    );
    assert_eq!(
        client.delete(format!("{keys}/{id}")).bearer_auth(&token).send().await.unwrap().status().as_u16(),
        404
    );
    assert_eq!(session_status(&client, &base, Some(("x-api-key", key))).await, 401, "a revoked key");

    let out = client.post(format!("{base}/api/auth/sign-out")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(out.status().as_u16(), 204);
    assert_eq!(
        session_status(&client, &base, Some(("authorization", format!("Bearer {token}")))).await,
        401,
        "signed out"
    );

    assert!(!storage.has_admin().await.unwrap(), "members are no admins");
    assert!(ensure_admin(&storage, "root@example.com", "admin password").await.unwrap());
    assert!(!ensure_admin(&storage, "root@example.com", "admin password").await.unwrap(), "only once");
    assert!(storage.has_admin().await.unwrap());
    let root = storage.user_by_email("root@example.com").await.unwrap().unwrap().0.id;
    storage.update_user(root, UserChanges::default().with_disabled(true)).await.unwrap();
    assert!(!storage.has_admin().await.unwrap(), "a disabled admin cannot administer");
    storage.update_user(root, UserChanges::default().with_disabled(false)).await.unwrap();
    assert!(storage.has_admin().await.unwrap());
    let (status, body, _) =
        post(&client, sign_in, json!({"email": "root@example.com", "password": "admin password"})).await;
    assert_eq!((status, body["user"]["roles"].clone()), (200, json!(["admin"])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_on_sqlite() {
    accounts_work_on(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_on_postgres() {
    omnera_sql::testing::on_postgres("the auth API", async |url| accounts_work_on(&url).await).await;
}

#[tokio::test]
async fn sign_up_is_refused_unless_open() {
    let closed = APP.replace(r#""signUp": "open""#, r#""signUp": "invite""#);
    let (base, _) = serve(&omnera_sql::testing::sqlite_url(), &closed).await;
    let (status, body, _) = post(
        &reqwest::Client::new(),
        format!("{base}/api/auth/sign-up"),
        json!({"email": "a@example.com", "password": "long enough"}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
}

/// An `Authorization` header other than `Bearer <token>` is a bad credential: a 401, even on a
/// route anonymous callers may use.
#[tokio::test]
async fn an_authorization_that_is_not_bearer_is_refused() {
    let open = APP.replace(
        r#""signUp": "open""#,
        r#""signUp": "open", "permissions": [{"role": "anonymous", "table": "notes", "actions": ["read"]}]"#,
    );
    let (base, _) = serve(&omnera_sql::testing::sqlite_url(), &open).await;
    let client = reqwest::Client::new();
    let notes = format!("{base}/api/tables/notes/records");
    assert_eq!(client.get(&notes).send().await.unwrap().status().as_u16(), 200, "anonymous may read");
    for header in ["Basic Zm9vOmJhcg==", "Bearer", "Token abc", "Bearer a b"] {
        let response = client.get(&notes).header("authorization", header).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{header}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized", "{header}");
    }
}
