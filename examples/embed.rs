//! A host program that embeds Omnera: its own axum routes beside Omnera's API, nested under
//! `/v1`, with a hook, a policy of its own, its own sign-in (an identity provider) and the
//! [`RequestCaller`](omnera::http::RequestCaller) extractor on a host route.
//!
//! ```sh
//! cargo run --example embed                        # serves on 127.0.0.1:8080, data in embed.db
//! curl -X POST localhost:8080/v1/api/tables/tickets/records -H 'content-type: application/json' \
//!      -d '{"title": "The printer is on fire"}'    # anyone may report; the hook sets status
//! curl localhost:8080/v1/api/tables/tickets/records -H 'authorization: Bearer agent-token'
//! curl localhost:8080/whoami -H 'authorization: Bearer agent-token'    # user 1 (agent)
//! curl localhost:8080/open-tickets                                      # read by the host itself
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use omnera::http::ConnectionLimits;

#[path = "embed/host.rs"]
mod host;

#[tokio::main]
async fn main() -> ExitCode {
    let (router, state) = match host::host("sqlite://embed.db").await {
        Ok(host) => host,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:8080").await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("127.0.0.1:8080: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "the help desk is at http://127.0.0.1:8080/v1/api, the host's routes at /whoami, /open-tickets and /created-since-start"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let served = omnera::http::serve(listener, router, ConnectionLimits::default(), shutdown).await;
    state.app.shutdown();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
