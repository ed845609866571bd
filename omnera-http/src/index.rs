//! `GET /`: a small index of where things are, so that the first request a person makes is
//! answered with the way on rather than a 404.
//!
//! It answers from the router's fallback, not as a route: a host that merges the router and
//! serves its own `/` keeps it, and a page at `/` can take it once pages are served. Its links
//! carry the path the router is mounted at, as the document's `servers` does.

use axum::Json;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ApiError, ErrorKind};
use crate::state::ApiState;

/// The answer to a request for `/` (of the router; `original` is the path the request came by,
/// with the host's mount point): the index for GET and HEAD, 405 otherwise.
pub(crate) fn answer(state: &ApiState, method: &Method, original: &str) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response =
            ApiError::new(ErrorKind::MethodNotAllowed, format!("{method} is not allowed on /"))
                .into_response();
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let mount = original.strip_suffix('/').unwrap_or(original);
    let link = |path: &str| format!("{mount}{path}");
    let index = Index {
        name: state.app.schema().name(),
        openapi: link("/api/openapi.json"),
        records: link("/api/tables/{table}/records"),
        health: Health { live: link("/health/live"), ready: link("/health/ready") },
    };
    (StatusCode::OK, Json(index)).into_response()
}

/// The index. No table names: the OpenAPI document shows each caller only the tables it may
/// use, and the index does not tell more.
#[derive(Serialize)]
struct Index<'s> {
    name: &'s str,
    openapi: String,
    records: String,
    health: Health,
}

#[derive(Serialize)]
struct Health {
    live: String,
    ready: String,
}
