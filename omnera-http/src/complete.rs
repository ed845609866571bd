//! Requests run to their end even when the client goes away. Dropping a handler midway would cut
//! its database work off between statements, and a connection can then go back to the pool in
//! the middle of a transaction; running each request in its own task avoids that.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorKind};

/// Middleware: handles the request in a task of its own and waits for it.
pub(crate) async fn run_to_completion(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, "a request's task failed");
            ApiError::new(ErrorKind::Internal, "the request could not be completed").into_response()
        }
    }
}
