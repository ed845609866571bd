//! Sign-in through an OAuth connection, end to end on SQLite and PostgreSQL against an OpenID
//! Connect provider on loopback: the redirect with PKCE and state, the callback, the session it
//! gives, accounts linked and made, and every way a callback can be refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;

use omnera_core::accounts::ensure_admin;
use omnera_core::secrets::{ConnectionTokens, SecretKey, Vault};
use omnera_core::{App, Config};
use omnera_sql::SqlStorage;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use support::oidc::{CLIENT_ID, OidcProvider};

fn app_config(issuer: &str) -> String {
    json!({"name": "Sign-in", "auth": {"roles": ["member"], "defaultRoles": ["member"], "signUp": "open",
        "providers": ["password", "corp"]},
        "connections": [
            {"name": "corp", "type": "oauth", "provider": "oidc", "issuer": issuer, "clientId": CLIENT_ID,
             "clientSecret": {"env": "PATH"}},
            {"name": "unlisted", "type": "oauth", "provider": "oidc", "issuer": issuer, "clientId": CLIENT_ID,
             "clientSecret": {"env": "PATH"}}],
        "tables": [{"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}]})
    .to_string()
}

/// The provider's accounts, by the login that consents.
fn provider_accounts() -> HashMap<String, Value> {
    HashMap::from([
        (
            "ann".to_owned(),
            json!({"sub": "ann-1", "email": "Ann@Example.com", "email_verified": true, "name": "Ann"}),
        ),
        ("root".to_owned(), json!({"sub": "root-7", "email": "root@example.com", "email_verified": true})),
        ("bob".to_owned(), json!({"sub": "bob-2", "email": "bob@example.com", "email_verified": true})),
        ("cy".to_owned(), json!({"sub": "cy-3", "email": "cy@example.com"})),
        ("anon".to_owned(), json!({"sub": "anon-4"})),
    ])
}

struct Server {
    base: String,
    client: reqwest::Client,
    provider: OidcProvider,
    vault: Vault,
}

/// What a step of a sign-in answered.
struct Answer {
    status: u16,
    location: String,
    cookies: HashMap<String, String>,
    body: Value,
}

/// Serves the app of `config` on `database_url`, with the admin `root@example.com` and a
/// vault; returns its base URL and the vault.
async fn serve_with_vault(config: &str, database_url: &str) -> (String, Vault) {
    let storage = SqlStorage::connect(database_url).await.unwrap();
    let vault = Vault::new(SecretKey::generate().unwrap(), storage.clone());
    let app = App::from_config(Config::from_json_str(config).unwrap())
        .with_storage(storage.clone())
        .with_accounts(storage.clone())
        .with_vault(vault.clone())
        .build()
        .await
        .unwrap();
    ensure_admin(&storage, "root@example.com", "root password").await.unwrap();
    (support::serve_app(app).await, vault)
}

async fn serve(config: &str, database_url: &str) -> String {
    serve_with_vault(config, database_url).await.0
}

impl Server {
    async fn start(database_url: &str) -> Self {
        let provider = OidcProvider::start(provider_accounts()).await;
        let (base, vault) = serve_with_vault(&app_config(&provider.issuer), database_url).await;
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base, client, provider, vault }
    }

    async fn get(&self, url: &str, cookie: Option<&str>, bearer: Option<&str>) -> Answer {
        let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", self.base) };
        let mut request = self.client.get(url);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let header = |name| response.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
        let location = header(LOCATION).unwrap_or_default();
        let cookies = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().unwrap().split(';').next()?.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Answer { status, location, cookies, body }
    }

    /// Starts a sign-in and lets `login` consent at the provider; returns the callback URL the
    /// provider sends the browser to, and the state cookie the start set.
    async fn consent(&self, start: &str, login: &str) -> (String, String) {
        let started = self.get(start, None, None).await;
        assert_eq!(started.status, 303, "{}", started.body);
        assert!(started.location.starts_with(&format!("{}/authorize?", self.provider.issuer)));
        assert!(started.location.contains("code_challenge_method=S256"), "PKCE: {}", started.location);
        let state_cookie = format!("omnera_oauth_state={}", started.cookies["omnera_oauth_state"]);
        let at_provider = self.get(&format!("{}&login={login}", started.location), None, None).await;
        assert_eq!(at_provider.status, 303, "the provider consents");
        assert!(at_provider.location.starts_with(&format!("{}/api/auth/oauth/corp/callback?", self.base)));
        (at_provider.location, state_cookie)
    }

    /// A whole sign-in without `redirect`: the callback's answer.
    async fn sign_in(&self, login: &str) -> Answer {
        let (callback, state_cookie) = self.consent("/api/auth/oauth/corp", login).await;
        self.get(&callback, Some(&state_cookie), None).await
    }
}

async fn a_browser_signs_in_and_is_sent_on(server: &Server) {
    let (callback, state_cookie) = server.consent("/api/auth/oauth/corp?redirect=/welcome", "ann").await;
    let back = server.get(&callback, Some(&state_cookie), None).await;
    assert_eq!((back.status, back.location.as_str()), (303, "/welcome"), "{}", back.body);
    assert_eq!(back.cookies["omnera_oauth_state"], "", "the state cookie is cleared");
    let session = format!("omnera_session={}", back.cookies["omnera_session"]);
    let me = server.get("/api/auth/session", Some(&session), None).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["email"], "ann@example.com");
    assert_eq!(me.body["user"]["name"], "Ann");
    assert_eq!(me.body["user"]["roles"], json!(["member"]), "a new account gets the default roles");
    assert_eq!(me.body["user"]["emailVerified"], true, "the provider verified the address");

    let again = server.get(&callback, Some(&state_cookie), None).await;
    assert_eq!(again.status, 401, "a callback works once: {}", again.body);
}

async fn accounts_are_linked_and_made(server: &Server) {
    let first = server.sign_in("ann").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let token = first.body["token"].as_str().unwrap();
    assert_eq!(
        server.get("/api/auth/session", None, Some(token)).await.status,
        200,
        "the token is a session"
    );
    let ann = first.body["user"]["id"].clone();
    assert_eq!(
        server.sign_in("ann").await.body["user"]["id"],
        ann,
        "the same account signs in as the same user"
    );

    let root = server.sign_in("root").await;
    assert_eq!(root.status, 200, "{}", root.body);
    assert_eq!(root.body["user"]["roles"], json!(["admin"]), "a verified address links the existing account");

    let cy = server.sign_in("cy").await;
    assert_eq!((cy.status, &cy.body["user"]["emailVerified"]), (200, &json!(false)), "{}", cy.body);

    let anonymous = server.sign_in("anon").await;
    assert_eq!(anonymous.status, 403, "no address, no account: {}", anonymous.body);
}

async fn an_unverified_account_is_not_taken_over(server: &Server) {
    let body = json!({"email": "bob@example.com", "password": "bob's password"});
    let signed_up =
        server.client.post(format!("{}/api/auth/sign-up", server.base)).json(&body).send().await.unwrap();
    assert_eq!(signed_up.status(), 201);
    let bob = server.sign_in("bob").await;
    assert_eq!(bob.status, 403, "{}", bob.body);
    assert!(bob.body["detail"].as_str().unwrap().contains("not verified"), "{}", bob.body);
}

async fn callbacks_are_refused(server: &Server) {
    let (callback, state_cookie) = server.consent("/api/auth/oauth/corp", "ann").await;
    let state = callback.split("state=").nth(1).unwrap().to_owned();
    let callback_path = "/api/auth/oauth/corp/callback";
    let scenarios: Vec<(&str, String, Option<String>, u16)> = vec![
        ("without the state cookie", callback.clone(), None, 401),
        ("with another browser's state", callback.clone(), Some("omnera_oauth_state=forged".to_owned()), 401),
        (
            "when the user said no",
            format!("{callback_path}?error=access_denied&state={state}"),
            Some(state_cookie.clone()),
            401,
        ),
        ("without a code", format!("{callback_path}?state={state}"), Some(state_cookie.clone()), 400),
        (
            "with a code the provider never gave",
            format!("{callback_path}?code=made-up&state={state}"),
            Some(state_cookie.clone()),
            401,
        ),
        ("once the state is used up", callback.clone(), Some(state_cookie.clone()), 401),
        (
            "for another connection",
            format!("/api/auth/oauth/unlisted/callback?code=x&state={state}"),
            Some(state_cookie),
            404,
        ),
    ];
    for (what, url, cookie, status) in scenarios {
        let answer = server.get(&url, cookie.as_deref(), None).await;
        assert_eq!(answer.status, status, "a callback {what}: {}", answer.body);
        assert!(!answer.cookies.contains_key("omnera_session"), "a callback {what} opens no session");
    }
    let refused = server.provider.token_requests().into_iter().filter(Result::is_err).count();
    assert_eq!(refused, 1, "only the made-up code reached the provider, which refused it");
}

async fn starts_are_checked(server: &Server) {
    let scenarios = [
        ("/api/auth/oauth/nope", 404),
        ("/api/auth/oauth/unlisted", 404),
        ("/api/auth/oauth/corp?redirect=https://elsewhere.example/", 400),
        ("/api/auth/oauth/corp?redirect=//elsewhere.example/", 400),
        ("/api/auth/oauth/corp?next=/welcome", 400),
    ];
    for (path, status) in scenarios {
        let answer = server.get(path, None, None).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert!(answer.location.is_empty(), "{path} sends the browser nowhere");
    }
}

async fn the_document_lists_the_routes(server: &Server) {
    let document = server.get("/api/openapi.json", None, None).await.body;
    let start = &document["paths"]["/api/auth/oauth/{connection}"]["get"];
    assert_eq!(start["parameters"][0]["schema"]["enum"], json!(["corp"]), "only the listed connection");
    assert!(start["responses"]["303"].is_object());
    assert!(
        document["paths"]["/api/auth/oauth/{connection}/callback"]["get"]["responses"]["200"].is_object()
    );
}

/// An admin connects the `unlisted` connection (not a sign-in provider) for requests: the
/// provider's tokens are sealed in the vault and no answer shows them; a sign-in's callback does
/// not finish a connect flow, and only admins may start one.
async fn an_admin_connects_an_account_for_requests(server: &Server) {
    let admin = support::sign_in(&server.base, "root@example.com", "root password").await;
    assert_eq!(server.get("/api/connections/unlisted/authorize", None, None).await.status, 401);

    let start = |connection: &'static str| {
        let admin = admin.clone();
        async move {
            let started =
                server.get(&format!("/api/connections/{connection}/authorize"), None, Some(&admin)).await;
            assert_eq!(started.status, 303, "{}", started.body);
            let state_cookie = format!("omnera_oauth_state={}", started.cookies["omnera_oauth_state"]);
            let at_provider = server.get(&format!("{}&login=ann", started.location), None, None).await;
            assert!(
                at_provider
                    .location
                    .starts_with(&format!("{}/api/connections/{connection}/callback?", server.base)),
                "{}",
                at_provider.location
            );
            (at_provider.location, state_cookie)
        }
    };
    // The state of a connect flow does not finish a sign-in.
    let (callback, state_cookie) = start("corp").await;
    let as_sign_in = callback.replace("/api/connections/corp/callback", "/api/auth/oauth/corp/callback");
    assert_eq!(server.get(&as_sign_in, Some(&state_cookie), None).await.status, 401);

    let (callback, state_cookie) = start("unlisted").await;
    let connected = server.get(&callback, Some(&state_cookie), Some(&admin)).await;
    assert_eq!(connected.status, 200, "{}", connected.body);
    assert_eq!((&connected.body["connected"], &connected.body["refreshable"]), (&json!(true), &json!(true)));
    let sealed = ConnectionTokens::load(&server.vault, "unlisted").await.unwrap().unwrap();
    assert!(!connected.body.to_string().contains(&sealed.access_token), "no answer shows a token");
    assert_eq!(sealed.token_url.as_deref(), Some(&*format!("{}/token", server.provider.issuer)));
    assert!(sealed.refresh_token.is_some());
}

async fn oauth_sign_in_on(database_url: &str) {
    let server = Server::start(database_url).await;
    a_browser_signs_in_and_is_sent_on(&server).await;
    accounts_are_linked_and_made(&server).await;
    an_unverified_account_is_not_taken_over(&server).await;
    callbacks_are_refused(&server).await;
    starts_are_checked(&server).await;
    the_document_lists_the_routes(&server).await;
    an_admin_connects_an_account_for_requests(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_sign_in_on_sqlite() {
    oauth_sign_in_on(&omnera_sql::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_sign_in_on_postgres() {
    omnera_sql::testing::on_postgres("OAuth sign-in", async |url| oauth_sign_in_on(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_do_not_sign_in_when_the_providers_leave_them_out() {
    let provider = OidcProvider::start(provider_accounts()).await;
    let config =
        app_config(&provider.issuer).replace(r#""providers":["password","corp"]"#, r#""providers":["corp"]"#);
    assert!(config.contains(r#""providers":["corp"]"#));
    let base = serve(&config, &omnera_sql::testing::sqlite_url()).await;
    let client = reqwest::Client::new();
    let credentials = json!({"email": "root@example.com", "password": "root password"});
    for route in ["sign-in", "sign-up"] {
        let answer = client.post(format!("{base}/api/auth/{route}")).json(&credentials).send().await.unwrap();
        assert_eq!(answer.status(), 403, "{route} with a password");
    }
}
