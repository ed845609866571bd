//! Requests through `http` and `stripe` connections against a loopback fake of an API: the base
//! URL holds, credentials (OAuth client credentials too) reach the server and never an error,
//! 429 and 5xx are retried with the same idempotency key, a rate limit holds across two
//! instances on one database, and requests without a connection stay off private networks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use omnera_automation::connections::{
    ApiBody, ApiRequest, ConnectionError, EgressPolicy, HttpApi, HttpApiOptions, STRIPE_API_BASE, stripe_api,
};
use omnera_core::config::{ConnectionConfig, HttpMethod};
use omnera_core::secrets::{ConnectionTokens, SecretKey, Secrets, Vault};
use omnera_core::validate_text;
use serde_json::{Value, json};

/// A request the fake saw.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: String,
    at: Instant,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// A queued answer: its status and headers.
type Answer = (u16, Vec<(&'static str, &'static str)>);

/// A loopback API: answers `/v1/*` with the queued answers (then 200 `{"ok": true}`), and
/// `/token` as an OAuth token endpoint handing out `token-1`, `token-2`, ….
#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    token_lifetime: Arc<Mutex<u64>>,
}

impl Fake {
    async fn start() -> (Self, String) {
        let fake = Fake::default();
        *fake.token_lifetime.lock().unwrap() = 3600;
        let app = axum::Router::new().fallback(answer).with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, base)
    }

    fn queue(&self, status: u16, headers: Vec<(&'static str, &'static str)>) {
        self.answers.lock().unwrap().push_back((status, headers));
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|seen| seen.uri.starts_with(path)).collect()
    }
}

async fn answer(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body).into_owned();
    fake.seen.lock().unwrap().push(Seen {
        method,
        uri: uri.to_string(),
        headers,
        body: body.clone(),
        at: Instant::now(),
    });
    if uri.path() == "/token" {
        let number = fake.seen_at("/token").len();
        let lifetime = *fake.token_lifetime.lock().unwrap();
        let token = if body.contains("grant_type=refresh_token") {
            // A refresh: only with the refresh token handed out, and the client in the body.
            if !(body.contains("refresh_token=refresh-1") && body.contains("client_id=hub")) {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_grant"})))
                    .into_response();
            }
            json!({"access_token": format!("refreshed-{number}"), "token_type": "bearer", "expires_in": lifetime})
        } else {
            assert!(body.contains("grant_type=client_credentials"), "{body}");
            json!({"access_token": format!("token-{number}"), "token_type": "bearer", "expires_in": lifetime})
        };
        return axum::Json(token).into_response();
    }
    let queued = fake.answers.lock().unwrap().pop_front();
    match queued {
        Some((status, headers)) => {
            let mut response = (StatusCode::from_u16(status).unwrap(), "try again").into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        None => axum::Json(json!({"ok": true})).into_response(),
    }
}

/// The `http` connection `api` of a config with these extra keys, opened.
fn open(base: &str, extra: &Value, secrets: &Secrets, options: HttpApiOptions) -> HttpApi {
    let mut connection = json!({"name": "api", "type": "http", "baseUrl": format!("{base}/v1")});
    connection.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let config = json!({"name": "Hub", "connections": [connection]});
    let schema = validate_text(&config.to_string(), omnera_core::ConfigFormat::Json).unwrap();
    HttpApi::open(schema.http_connection("api").unwrap(), secrets, options).unwrap()
}

const TOKEN: &str = "tok-9b1e0c7d-never-shown";

fn config_secrets() -> Secrets {
    Secrets::from_values([("api-token", TOKEN), ("client-secret", "cs-4411-never-shown")])
}

#[tokio::test]
async fn requests_go_under_the_base_url_with_the_connection_credentials() {
    let (fake, base) = Fake::start().await;
    let api = open(
        &base,
        &json!({"auth": {"type": "bearer", "token": {"secret": "api-token"}}}),
        &config_secrets(),
        HttpApiOptions::default(),
    );
    let request = ApiRequest::new(HttpMethod::Post, "/customers?expand=plan")
        .with_query("page", "2")
        .with_header("X-Trace", "t1")
        .with_body(ApiBody::Json(json!({"email": "ann@example.com"})))
        .with_idempotency_key("run-7:create");
    let response = api.send(&request).await.unwrap();
    assert_eq!((response.status, response.json(), response.attempts), (200, Some(json!({"ok": true})), 1));
    let seen = &fake.seen()[0];
    assert_eq!((seen.method.as_str(), seen.uri.as_str()), ("POST", "/v1/customers?expand=plan&page=2"));
    assert_eq!(seen.header("authorization"), Some(&*format!("Bearer {TOKEN}")));
    assert_eq!(seen.header("idempotency-key"), Some("run-7:create"));
    assert_eq!(seen.header("x-trace"), Some("t1"));
    assert_eq!(serde_json::from_str::<Value>(&seen.body).unwrap(), json!({"email": "ann@example.com"}));

    for outside in
        ["../admin", "%2e%2e/admin", "http://169.254.169.254/latest/meta-data", &format!("{base}/v2/x")]
    {
        let refused = api.send(&ApiRequest::new(HttpMethod::Get, outside)).await.unwrap_err();
        assert!(matches!(refused, ConnectionError::OutsideBaseUrl { .. }), "{outside}: {refused}");
    }
    assert_eq!(fake.seen().len(), 1, "nothing outside the base URL was sent");
    assert!(!format!("{api:?}").contains(TOKEN));
}

#[tokio::test]
async fn basic_and_header_credentials_reach_the_server() {
    let (fake, base) = Fake::start().await;
    let basic = open(
        &base,
        &json!({"auth": {"type": "basic", "username": "crm", "password": {"secret": "api-token"}}}),
        &config_secrets(),
        HttpApiOptions::default(),
    );
    basic.send(&ApiRequest::new(HttpMethod::Get, "me")).await.unwrap();
    let header = open(
        &base,
        &json!({"auth": {"type": "header", "name": "X-Api-Key", "value": {"secret": "api-token"}}}),
        &config_secrets(),
        HttpApiOptions::default(),
    );
    header.send(&ApiRequest::new(HttpMethod::Get, "me")).await.unwrap();
    let seen = fake.seen();
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("crm:{TOKEN}"));
    assert_eq!(seen[0].header("authorization"), Some(&*format!("Basic {expected}")));
    assert_eq!(seen[1].header("x-api-key"), Some(TOKEN));
}

#[tokio::test]
async fn client_credentials_tokens_are_cached_and_fetched_again_before_they_expire() {
    let (fake, base) = Fake::start().await;
    let auth = json!({"auth": {"type": "oauth2-client-credentials", "tokenUrl": format!("{base}/token"),
        "clientId": "hub", "clientSecret": {"secret": "client-secret"}, "scopes": ["read", "write"]}});
    let api = open(&base, &auth, &config_secrets(), HttpApiOptions::default());
    for _ in 0..3 {
        api.send(&ApiRequest::new(HttpMethod::Get, "orders")).await.unwrap();
    }
    let tokens = fake.seen_at("/token");
    assert_eq!(tokens.len(), 1, "one token serves every request while it lasts");
    assert!(tokens[0].body.contains("scope=read+write"), "{}", tokens[0].body);
    assert!(tokens[0].header("authorization").is_some_and(|value| value.starts_with("Basic ")));
    assert!(
        fake.seen_at("/v1/orders").iter().all(|seen| seen.header("authorization") == Some("Bearer token-1"))
    );

    // A token that expires within the minute is fetched again before each use.
    *fake.token_lifetime.lock().unwrap() = 30;
    let short_lived = open(&base, &auth, &config_secrets(), HttpApiOptions::default());
    short_lived.send(&ApiRequest::new(HttpMethod::Get, "orders")).await.unwrap();
    short_lived.send(&ApiRequest::new(HttpMethod::Get, "orders")).await.unwrap();
    let last = fake.seen_at("/v1/orders").pop().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer token-3"));
}

#[tokio::test]
async fn client_credentials_tokens_are_shared_by_instances_through_the_vault() {
    let (fake, base) = Fake::start().await;
    let auth = json!({"auth": {"type": "oauth2-client-credentials", "tokenUrl": format!("{base}/token"),
        "clientId": "hub", "clientSecret": {"secret": "client-secret"}}});
    let storage = omnera_sql::SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap();
    let vault = Vault::new(SecretKey::generate().unwrap(), storage);
    // Two instances, and one started later: one token for all.
    for _ in 0..3 {
        let api =
            open(&base, &auth, &config_secrets(), HttpApiOptions::default().with_token_vault(vault.clone()));
        api.send(&ApiRequest::new(HttpMethod::Get, "orders")).await.unwrap();
    }
    assert_eq!(fake.seen_at("/token").len(), 1, "the token sealed in the vault serves every instance");
    assert!(
        fake.seen_at("/v1/orders").iter().all(|seen| seen.header("authorization") == Some("Bearer token-1"))
    );
    let names: Vec<String> = vault.list().await.unwrap().into_iter().map(|entry| entry.name).collect();
    assert_eq!(names, ["oauth-token.api"]);
}

#[tokio::test]
async fn an_oauth_connection_uses_its_connected_tokens_and_refreshes_them_before_they_expire() {
    let (fake, base) = Fake::start().await;
    let config = r#"{"name": "Hub", "connections": [{"name": "google", "type": "oauth", "provider": "google",
        "clientId": "hub", "clientSecret": {"secret": "client-secret"}}]}"#;
    let schema = validate_text(config, omnera_core::ConfigFormat::Json).unwrap();
    let Some(ConnectionConfig::Oauth(google)) = schema.connection("google") else { panic!() };
    let storage = omnera_sql::SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap();
    let vault = Vault::new(SecretKey::generate().unwrap(), storage);
    let loopback = || EgressPolicy::public_only().allowing("127.0.0.0/8".parse().unwrap());
    let api = HttpApi::oauth(google, &config_secrets(), vault.clone(), loopback()).unwrap();
    let request = ApiRequest::new(HttpMethod::Get, format!("{base}/v1/calendar"));

    // Not connected yet: a clear error, and nothing sent.
    let refused = api.send(&request).await.unwrap_err().to_string();
    assert!(refused.contains("/api/connections/google/authorize"), "{refused}");
    assert!(fake.seen().is_empty());

    // Connected (as the connect flow seals them) with a token that expires within the minute:
    // it is refreshed first, and the new one is sealed for the other instances.
    let connected = ConnectionTokens::new("access-0", Utc::now() + TimeDelta::seconds(30))
        .refreshable("refresh-1", format!("{base}/token"));
    connected.store(&vault, "google").await.unwrap();
    let api = HttpApi::oauth(google, &config_secrets(), vault.clone(), loopback()).unwrap();
    assert_eq!(api.send(&request).await.unwrap().status, 200);
    assert_eq!(fake.seen_at("/v1/calendar")[0].header("authorization"), Some("Bearer refreshed-1"));
    let sealed = ConnectionTokens::load(&vault, "google").await.unwrap().unwrap();
    assert_eq!(sealed.access_token, "refreshed-1");
    assert_eq!(
        sealed.refresh_token.as_deref(),
        Some("refresh-1"),
        "the provider sent none: the old one is kept"
    );
    assert!(!format!("{api:?} {sealed:?}").contains("refresh-1"));

    // Another instance reads the fresh token from the vault instead of refreshing again.
    let other = HttpApi::oauth(google, &config_secrets(), vault, loopback()).unwrap();
    assert_eq!(other.send(&request).await.unwrap().status, 200);
    assert_eq!(fake.seen_at("/token").len(), 1);
}

#[tokio::test]
async fn rate_limited_and_failing_answers_are_retried_with_the_same_key() {
    let (fake, base) = Fake::start().await;
    let retry = json!({"retry": {"maxAttempts": 3, "initialDelay": "1ms", "maxDelay": "5ms"}});
    let api = open(&base, &retry, &Secrets::none(), HttpApiOptions::default());
    fake.queue(429, vec![("retry-after", "0")]);
    fake.queue(503, vec![]);
    let request = ApiRequest::new(HttpMethod::Post, "charges").with_idempotency_key("run-1:charge");
    let response = api.send(&request).await.unwrap();
    assert_eq!((response.status, response.attempts), (200, 3));
    let keys: Vec<Option<String>> =
        fake.seen().iter().map(|seen| seen.header("idempotency-key").map(str::to_owned)).collect();
    assert_eq!(keys, vec![Some("run-1:charge".to_owned()); 3]);

    // When the tries run out, the last answer is the answer; a 4xx is not retried.
    for _ in 0..3 {
        fake.queue(502, vec![]);
    }
    let response = api.send(&ApiRequest::new(HttpMethod::Get, "charges")).await.unwrap();
    assert_eq!((response.status, response.attempts), (502, 3));
    fake.queue(404, vec![]);
    let response = api.send(&ApiRequest::new(HttpMethod::Get, "charges")).await.unwrap();
    assert_eq!((response.status, response.attempts), (404, 1));
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_that_shows_no_credential() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let auth = json!({"auth": {"type": "bearer", "token": {"secret": "api-token"}},
        "retry": {"maxAttempts": 2, "initialDelay": "1ms"}});
    let api = open(&closed, &auth, &config_secrets(), HttpApiOptions::default());
    let error = api.send(&ApiRequest::new(HttpMethod::Get, "x")).await.unwrap_err();
    assert!(matches!(error, ConnectionError::Unreachable { attempts: 2, .. }), "{error}");
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

async fn two_instances_share_a_rate_limit(url: &str) {
    let (fake, base) = Fake::start().await;
    let limit = json!({"rateLimit": {"requests": 3, "per": "1s"}});
    let mut sends = tokio::task::JoinSet::new();
    for instance in 0..2 {
        let storage = omnera_sql::SqlStorage::connect(url).await.unwrap();
        let options = HttpApiOptions::default().with_rate_limits(Arc::new(storage));
        let api = open(&base, &limit, &Secrets::none(), options);
        for request in 0..3 {
            let api = api.clone();
            sends.spawn(async move {
                let path = format!("items/{instance}-{request}");
                api.send(&ApiRequest::new(HttpMethod::Get, path)).await.unwrap().status
            });
        }
    }
    assert_eq!(sends.join_all().await, vec![200; 6]);
    let mut arrivals: Vec<Instant> = fake.seen().iter().map(|seen| seen.at).collect();
    arrivals.sort();
    // Three may go at once; the sixth waits for three intervals of 1 s / 3, whichever instance
    // sends it. Each instance alone would have let all of its three go at once.
    let span = arrivals[5] - arrivals[0];
    assert!(span >= Duration::from_millis(950), "six requests in {span:?} under a limit of three per second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds_across_two_instances_on_sqlite() {
    two_instances_share_a_rate_limit(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_holds_across_two_instances_on_postgres() {
    omnera_sql::testing::on_postgres("http rate limit", async |url| {
        two_instances_share_a_rate_limit(&url).await;
    })
    .await;
}

#[tokio::test]
async fn requests_without_a_connection_stay_off_private_networks() {
    let (fake, base) = Fake::start().await;
    let direct = HttpApi::direct(EgressPolicy::public_only()).unwrap();
    let port = base.rsplit(':').next().unwrap();
    for url in [
        format!("{base}/v1/x"),
        format!("http://localhost:{port}/v1/x"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::1]/".to_owned(),
        "http://10.0.0.1/".to_owned(),
    ] {
        let refused = direct.send(&ApiRequest::new(HttpMethod::Get, url.clone())).await.unwrap_err();
        let shown = refused.to_string();
        assert!(shown.contains("requests may not go to") || shown.contains("not reach"), "{url}: {shown}");
    }
    assert!(fake.seen().is_empty(), "nothing reached this machine");

    let allowed =
        HttpApi::direct(EgressPolicy::public_only().allowing("127.0.0.0/8".parse().unwrap())).unwrap();
    let response = allowed
        .send(&ApiRequest::new(HttpMethod::Get, format!("http://localhost:{port}/v1/x")))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn stripe_requests_carry_the_secret_key_and_an_idempotency_key() {
    let (fake, base) = Fake::start().await;
    let config = r#"{"name": "Shop", "connections": [{"name": "stripe", "type": "stripe",
        "secretKey": {"secret": "stripe-key"}, "webhookSecret": {"secret": "stripe-webhook"}}]}"#;
    let schema = validate_text(config, omnera_core::ConfigFormat::Json).unwrap();
    let Some(ConnectionConfig::Stripe(connection)) = schema.connection("stripe") else { panic!() };
    let secrets = Secrets::from_values([("stripe-key", "sk_test_51abc"), ("stripe-webhook", "whsec_1")]);
    assert_eq!(STRIPE_API_BASE, "https://api.stripe.com/v1/");
    let stripe = stripe_api(connection, &secrets, &format!("{base}/v1/"), HttpApiOptions::default()).unwrap();
    let form = ApiBody::Form(vec![
        ("email".to_owned(), "ann@example.com".to_owned()),
        ("metadata[plan]".to_owned(), "pro".to_owned()),
    ]);
    fake.queue(500, vec![]);
    stripe.send(&ApiRequest::new(HttpMethod::Post, "customers").with_body(form)).await.unwrap();
    stripe.send(&ApiRequest::new(HttpMethod::Get, "customers/cus_1")).await.unwrap();
    let seen = fake.seen();
    assert_eq!(seen.len(), 3, "the 500 was retried");
    assert_eq!(seen[0].uri, "/v1/customers");
    assert_eq!(seen[0].header("authorization"), Some("Bearer sk_test_51abc"));
    assert_eq!(seen[0].header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(seen[0].body, "email=ann%40example.com&metadata%5Bplan%5D=pro");
    let key = seen[0].header("idempotency-key").expect("a POST to Stripe carries an idempotency key");
    assert_eq!(seen[1].header("idempotency-key"), Some(key), "the retry carries the same key");
    assert_eq!(seen[2].header("idempotency-key"), None, "a GET needs none");
}
