//! `omnera_http::serve` closes connections that are slow to send headers or sit idle, and keeps
//! no more connections open than its cap: at the cap, an idle one makes room for a newcomer, a
//! busy one never does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use omnera_core::backend::LogMailer;
use omnera_core::{App, Config};
use omnera_http::{AppRouter, ConnectionLimits};
use omnera_sql::SqlStorage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const APP: &str = r#"{"name": "Limits", "tables": [{"id": 1, "name": "notes", "fields": [
    {"id": 1, "name": "title", "type": "single-line-text"}]}]}"#;

/// Serves the app within `limits` on a free loopback port; returns its address.
async fn serve(limits: ConnectionLimits) -> String {
    let app = App::from_config(Config::from_json_str(APP).unwrap())
        .with_storage(SqlStorage::connect(&omnera_sql::testing::sqlite_url()).await.unwrap())
        .with_mailer(LogMailer)
        .build()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(omnera_http::serve(listener, app.router(), limits, std::future::pending()));
    address
}

/// Reads until the server closes the connection; panics if it is still open after `within`.
async fn closed_within(connection: &mut TcpStream, within: Duration) -> String {
    let mut received = Vec::new();
    tokio::time::timeout(within, connection.read_to_end(&mut received))
        .await
        .expect("the server closes the connection")
        .unwrap();
    String::from_utf8_lossy(&received).into_owned()
}

const REQUEST: &str = "GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_sent_too_slowly_close_the_connection() {
    let limits = ConnectionLimits::default().with_header_read_timeout(Duration::from_millis(300));
    let address = serve(limits).await;
    let mut slow = TcpStream::connect(&address).await.unwrap();
    for byte in "GET /health/live HT".bytes() {
        if slow.write_all(&[byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    closed_within(&mut slow, Duration::from_secs(5)).await;
    let mut silent = TcpStream::connect(&address).await.unwrap();
    closed_within(&mut silent, Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    let limits = ConnectionLimits::default()
        .with_header_read_timeout(Duration::from_secs(60))
        .with_idle_timeout(Duration::from_millis(400));
    let address = serve(limits).await;
    let mut connection = TcpStream::connect(&address).await.unwrap();
    connection.write_all(REQUEST.as_bytes()).await.unwrap();
    let answered = closed_within(&mut connection, Duration::from_secs(5)).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "the request was answered first: {answered}");
}

/// At the cap, a newcomer takes the place of the connection idle longest: connections that
/// never send a request cannot keep a client out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_make_room_for_a_new_client() {
    let limits =
        ConnectionLimits::default().with_header_read_timeout(Duration::from_secs(60)).with_max_connections(2);
    let address = serve(limits).await;
    let mut oldest = TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _newer = TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut client = TcpStream::connect(&address).await.unwrap();
    client.write_all(REQUEST.as_bytes()).await.unwrap();
    let mut answer = vec![0; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), client.read(&mut answer))
        .await
        .expect("the client is served at once")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"));
    closed_within(&mut oldest, Duration::from_secs(5)).await;
}

/// A connection with a request in progress is never closed to make room: at the cap with every
/// connection busy, a newcomer waits until one finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_connections_keep_their_place() {
    let limits =
        ConnectionLimits::default().with_header_read_timeout(Duration::from_secs(60)).with_max_connections(1);
    let address = serve(limits).await;
    let body = r#"{"title": "a note"}"#;
    let mut busy = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/tables/notes/records HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    busy.write_all(head.as_bytes()).await.unwrap();
    busy.write_all(&body.as_bytes()[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut waiting = TcpStream::connect(&address).await.unwrap();
    waiting.write_all(REQUEST.as_bytes()).await.unwrap();
    let mut answer = vec![0; 1024];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut answer)).await.is_err(),
        "the newcomer waits while the only connection is busy"
    );
    busy.write_all(&body.as_bytes()[5..]).await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(5), busy.read(&mut answer)).await.unwrap().unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 201"),
        "the busy request finished"
    );
    let read = tokio::time::timeout(Duration::from_secs(5), waiting.read(&mut answer))
        .await
        .expect("then the newcomer is served")
        .unwrap();
    assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"));
}
