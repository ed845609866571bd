//! The JSON body of a write: `application/json`, at most the router's body limit, parsed with a
//! message that says where it broke.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

use crate::error::{ApiError, ErrorKind};

/// A request body parsed as JSON.
pub(crate) struct JsonBody(pub(crate) serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::new(ErrorKind::UnsupportedMediaType, "send the body as application/json"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(ErrorKind::PayloadTooLarge, "the body is larger than allowed")
            } else {
                ApiError::new(ErrorKind::InvalidJson, "the body could not be read")
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|error| {
            ApiError::new(ErrorKind::InvalidJson, format!("the body is not valid JSON: {error}"))
        })
    }
}
