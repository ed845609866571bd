//! The path a host mounted the API's router under, so that the URLs the API writes (file URLs,
//! `Location` headers, the OpenAPI server) lead back through it.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;

/// The part of the request's path that the host's routers took off before the API's router saw
/// it: `/v1` when the host nests the router there (`Router::new().nest("/v1", app.router())`),
/// empty when it serves it at the root. axum keeps the path as the client sent it in
/// [`OriginalUri`] and gives a nested router the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MountPath(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for MountPath {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let seen = parts.uri.path();
        let Some(OriginalUri(original)) = parts.extensions.get::<OriginalUri>() else {
            // No router above this one recorded a path: the API is the outermost router.
            return Ok(Self(String::new()));
        };
        match original.path().strip_suffix(seen) {
            Some(mount) => Ok(Self(mount.trim_end_matches('/').to_owned())),
            None => {
                // A layer of the host rewrote the path: no prefix can be told apart, and URLs
                // are written from the mount point.
                tracing::debug!(original = %original.path(), seen, "the request path was rewritten; URLs start at /");
                Ok(Self(String::new()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::MountPath;

    async fn mount_of(router: Router, path: &str) -> String {
        let response = router.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn api() -> Router {
        Router::new().route("/api/thing", get(|MountPath(mount): MountPath| async move { mount }))
    }

    #[tokio::test]
    async fn the_mount_path_is_what_the_host_nested_the_router_under() {
        assert_eq!(mount_of(api(), "/api/thing").await, "");
        assert_eq!(mount_of(Router::new().nest("/v1", api()), "/v1/api/thing").await, "/v1");
        let twice = Router::new().nest("/v1", Router::new().nest("/inner", api()));
        assert_eq!(mount_of(twice, "/v1/inner/api/thing").await, "/v1/inner");
    }
}
