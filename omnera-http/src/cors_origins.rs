//! The origins browsers may call the API from (CORS), each checked to be an origin: a scheme,
//! a host and maybe a port, nothing more. An origin that can never match (`app.example.com`
//! without its scheme, one with a path) is refused when it is given, not ignored.

use axum::http::HeaderValue;

/// Origins allowed to call the API from a browser.
///
/// ```
/// use omnera_http::CorsOrigins;
///
/// let origins = CorsOrigins::new(["https://app.example.com", "http://localhost:5173/"]).unwrap();
/// assert_eq!(origins.len(), 2);
/// let refused = CorsOrigins::new(["app.example.com"]).unwrap_err();
/// assert!(refused.contains("app.example.com"), "{refused}");
/// assert!(CorsOrigins::new(["https://app.example.com/admin"]).is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CorsOrigins {
    origins: Vec<HeaderValue>,
}

impl CorsOrigins {
    /// These origins (`https://app.example.com`, `http://localhost:5173`); the first that is not
    /// an origin is the error.
    pub fn new<'o>(origins: impl IntoIterator<Item = &'o str>) -> Result<Self, String> {
        let origins =
            origins.into_iter().map(|origin| origin_value(origin.trim())).collect::<Result<_, _>>()?;
        Ok(Self { origins })
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.origins.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    pub(crate) fn header_values(&self) -> &[HeaderValue] {
        &self.origins
    }
}

/// `origin` as browsers send it in `Origin`, or why it is not one.
fn origin_value(origin: &str) -> Result<HeaderValue, String> {
    let refused = || {
        format!(
            "`{origin}` is not an origin such as https://app.example.com (a scheme, a host and maybe a port)"
        )
    };
    let url = reqwest::Url::parse(origin).map_err(|_| refused())?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && !origin.trim_end_matches('/').ends_with(':');
    if !bare || url.host_str().is_none() {
        return Err(refused());
    }
    HeaderValue::from_str(&url.origin().ascii_serialization()).map_err(|_| refused())
}
