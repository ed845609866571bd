//! What a host sets on the router: CORS stays off unless origins are allowed, and a request
//! limit per client address answers 429 with `Retry-After` once it is reached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::num::NonZeroU32;

use omnera_core::{App, Config};
use omnera_http::{ApiOptions, AppRouter, CorsOrigins, RateLimit, TrustedProxies};
use serde_json::Value;

const APP: &str = r#"{"name": "Notes", "tables": [{"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}]}"#;

async fn app() -> App {
    let storage = omnera_sql::SqlStorage::connect("sqlite::memory:").await.unwrap();
    App::from_config(Config::from_json_str(APP).unwrap()).with_storage(storage).build().await.unwrap()
}

async fn allowed_origin(client: &reqwest::Client, url: &str, origin: &str) -> Option<String> {
    let response = client.get(url).header("origin", origin).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.headers().get("access-control-allow-origin").map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn cors_is_off_unless_the_host_allows_origins() {
    let client = reqwest::Client::new();
    let plain = support::serve_app(app().await).await;
    let notes = format!("{plain}/api/tables/notes/records");
    assert_eq!(allowed_origin(&client, &notes, "https://app.example.com").await, None);

    let options =
        ApiOptions::default().allowing_origins(CorsOrigins::new(["https://app.example.com"]).unwrap());
    let open = support::serve_router(app().await.router_with(&options)).await;
    let notes = format!("{open}/api/tables/notes/records");
    assert_eq!(
        allowed_origin(&client, &notes, "https://app.example.com").await.as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(allowed_origin(&client, &notes, "https://elsewhere.example").await, None);
    let preflight = client
        .request(reqwest::Method::OPTIONS, &notes)
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let methods = preflight.headers()["access-control-allow-methods"].to_str().unwrap().to_owned();
    assert!(methods.contains("PATCH"), "{methods}");
}

#[tokio::test]
async fn a_request_limit_answers_429_with_retry_after() {
    let five = NonZeroU32::new(5).unwrap();
    let options = ApiOptions::default().limiting_requests(RateLimit::new(NonZeroU32::MIN, five));
    let base = support::serve_router(app().await.router_with(&options)).await;
    let client = reqwest::Client::new();
    let url = format!("{base}/api/tables/notes/records");
    for _ in 0..5 {
        assert_eq!(client.get(&url).send().await.unwrap().status().as_u16(), 200, "within the burst");
    }
    let limited = client.get(&url).send().await.unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let request_id = limited.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(limited.headers()["content-type"], "application/problem+json");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["requestId"].as_str()),
        (Some("rate_limited"), Some(request_id.as_str()))
    );

    let plain = support::serve_app(app().await).await;
    for _ in 0..50 {
        let status = client.get(format!("{plain}/api/tables/notes/records")).send().await.unwrap().status();
        assert_eq!(status.as_u16(), 200, "no limit unless the host sets one");
    }
}

/// Behind a trusted proxy each client has its own allowance; without the setting, the header is
/// the client's own word and is ignored.
#[tokio::test]
async fn a_trusted_proxy_names_the_client_the_limits_count() {
    let two = NonZeroU32::new(2).unwrap();
    let limit = RateLimit::new(NonZeroU32::MIN, two);
    let trusting = ApiOptions::default()
        .limiting_requests(limit)
        .trusting_proxies(TrustedProxies::new(["127.0.0.1/32"]).unwrap());
    let not_trusting = ApiOptions::default().limiting_requests(limit);
    let client = reqwest::Client::new();
    let statuses = |base: String| {
        let client = client.clone();
        async move {
            let url = format!("{base}/api/tables/notes/records");
            let mut statuses = Vec::new();
            for forwarded_for in ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"] {
                let response =
                    client.get(&url).header("x-forwarded-for", forwarded_for).send().await.unwrap();
                statuses.push(response.status().as_u16());
            }
            statuses
        }
    };
    let behind_proxy = support::serve_router(app().await.router_with(&trusting)).await;
    assert_eq!(statuses(behind_proxy).await, [200, 200, 429, 200], "each forwarded client counts alone");
    let direct = support::serve_router(app().await.router_with(&not_trusting)).await;
    assert_eq!(statuses(direct).await, [200, 200, 429, 429], "a client cannot pick its own address");
}
