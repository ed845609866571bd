//! An OpenID Connect provider on loopback for the sign-in tests: discovery, an authorization
//! endpoint that consents at once for the account named by `login`, a token endpoint that
//! checks the client, the callback URL and the PKCE verifier (S256), and `userinfo`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The client the provider knows.
pub(crate) const CLIENT_ID: &str = "omnera-test";

/// The client secret the provider expects: the value of `PATH`, because the app's config reads
/// secrets from the environment and `PATH` is always set.
pub(crate) fn client_secret() -> String {
    std::env::var("PATH").unwrap_or_default()
}

/// A code the provider handed out, and what it was issued for.
struct Grant {
    login: String,
    redirect_uri: String,
    challenge: String,
}

#[derive(Clone, Default)]
struct Provider {
    base: String,
    accounts: Arc<HashMap<String, Value>>,
    grants: Arc<Mutex<HashMap<String, Grant>>>,
    tokens: Arc<Mutex<HashMap<String, String>>>,
    /// Every token request, as `Ok(())` or the error it answered.
    token_requests: Arc<Mutex<Vec<Result<(), String>>>>,
}

/// A running provider.
pub(crate) struct OidcProvider {
    /// The issuer URL (discovery is under it).
    pub(crate) issuer: String,
    state: Provider,
}

impl OidcProvider {
    /// Starts a provider whose accounts are `userinfo` answers by login name.
    pub(crate) async fn start(accounts: HashMap<String, Value>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let issuer = format!("http://{}", listener.local_addr().expect("the port's address"));
        let state = Provider { base: issuer.clone(), accounts: Arc::new(accounts), ..Provider::default() };
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { issuer, state }
    }

    /// The token requests so far: `Ok` for each that got a token, else the error it answered.
    pub(crate) fn token_requests(&self) -> Vec<Result<(), String>> {
        self.state.token_requests.lock().unwrap().clone()
    }
}

async fn discovery(State(provider): State<Provider>) -> Json<Value> {
    let base = &provider.base;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "code_challenge_methods_supported": ["S256"],
    }))
}

fn random() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).unwrap();
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn authorize(
    State(provider): State<Provider>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let wants = |key: &str, value: &str| query.get(key).map(String::as_str) == Some(value);
    if !(wants("response_type", "code")
        && wants("client_id", CLIENT_ID)
        && wants("code_challenge_method", "S256"))
    {
        return (StatusCode::BAD_REQUEST, "not an authorization code request with PKCE").into_response();
    }
    let (Some(login), Some(redirect_uri), Some(state), Some(challenge)) =
        (query.get("login"), query.get("redirect_uri"), query.get("state"), query.get("code_challenge"))
    else {
        return (StatusCode::BAD_REQUEST, "missing parameters").into_response();
    };
    let code = random();
    let grant =
        Grant { login: login.clone(), redirect_uri: redirect_uri.clone(), challenge: challenge.clone() };
    provider.grants.lock().unwrap().insert(code.clone(), grant);
    Redirect::to(&format!("{redirect_uri}?code={code}&state={state}")).into_response()
}

async fn token(State(provider): State<Provider>, Form(form): Form<HashMap<String, String>>) -> Response {
    let outcome = check_token_request(&provider, &form);
    provider.token_requests.lock().unwrap().push(outcome.clone().map(drop));
    match outcome {
        Ok(access_token) => {
            Json(json!({"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                "refresh_token": random()}))
            .into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response(),
    }
}

fn check_token_request(provider: &Provider, form: &HashMap<String, String>) -> Result<String, String> {
    let field = |key: &str| form.get(key).cloned().unwrap_or_default();
    if field("client_id") != CLIENT_ID || field("client_secret") != client_secret() {
        return Err("invalid_client".to_owned());
    }
    if field("grant_type") != "authorization_code" {
        return Err("unsupported_grant_type".to_owned());
    }
    let grant = provider.grants.lock().unwrap().remove(&field("code")).ok_or("invalid_grant")?;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
    if grant.redirect_uri != field("redirect_uri") || grant.challenge != challenge {
        return Err("invalid_grant".to_owned());
    }
    let access_token = random();
    provider.tokens.lock().unwrap().insert(access_token.clone(), grant.login);
    Ok(access_token)
}

async fn userinfo(State(provider): State<Provider>, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let login = provider.tokens.lock().unwrap().get(token).cloned();
    match login.and_then(|login| provider.accounts.get(&login).cloned()) {
        Some(profile) => Json(profile).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}
