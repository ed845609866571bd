//! The one table of errors every transport renders: each kind's stable code, HTTP status and
//! title. The REST API, pages and automations show the same code for the same failure.

/// Declares [`ErrorKind`] with its code, status and title in one table.
macro_rules! error_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident => ($status:literal, $code:literal, $title:literal),)*) => {
        /// What went wrong, as every transport reports it.
        ///
        /// ```
        /// use omnera_core::ErrorKind;
        ///
        /// assert_eq!(ErrorKind::PreconditionFailed.code(), "precondition_failed");
        /// assert_eq!(ErrorKind::PreconditionFailed.http_status(), 412);
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in the order of the table.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind,)*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(Self::$kind => $code,)* }
            }

            /// The HTTP status code.
            pub fn http_status(self) -> u16 {
                match self { $(Self::$kind => $status,)* }
            }

            /// The problem's title.
            pub fn title(self) -> &'static str {
                match self { $(Self::$kind => $title,)* }
            }
        }
    };
}

error_kinds! {
    /// A query parameter is unknown, malformed or out of range.
    BadRequest => (400, "bad_request", "Bad Request"),
    /// The body is not valid JSON, or not of the expected shape.
    InvalidJson => (400, "invalid_json", "Bad Request"),
    /// No credentials, or bad ones.
    Unauthorized => (401, "unauthorized", "Unauthorized"),
    /// Valid credentials that are not allowed to do this.
    Forbidden => (403, "forbidden", "Forbidden"),
    /// No such table, record or route.
    NotFound => (404, "not_found", "Not Found"),
    /// The route exists but not with this method.
    MethodNotAllowed => (405, "method_not_allowed", "Method Not Allowed"),
    /// A unique value is taken.
    UniqueViolation => (409, "unique_violation", "Conflict"),
    /// A delete was refused because other records still refer to this one.
    StillReferenced => (409, "still_referenced", "Conflict"),
    /// The record changed since the `If-Match` ETag was read.
    PreconditionFailed => (412, "precondition_failed", "Precondition Failed"),
    /// The body is larger than allowed.
    PayloadTooLarge => (413, "payload_too_large", "Content Too Large"),
    /// The request's target (path and query) is longer than allowed.
    UriTooLong => (414, "uri_too_long", "URI Too Long"),
    /// The body's media type is not accepted.
    UnsupportedMediaType => (415, "unsupported_media_type", "Unsupported Media Type"),
    /// A `Range` that lies outside the file; `Content-Range: bytes */size` says its size.
    RangeNotSatisfiable => (416, "range_not_satisfiable", "Range Not Satisfiable"),
    /// One or more fields of a record are invalid.
    ValidationFailed => (422, "validation_failed", "Unprocessable Content"),
    /// A hook of the host refused the write.
    Rejected => (422, "rejected", "Unprocessable Content"),
    /// Too many requests; retry after the given seconds.
    RateLimited => (429, "rate_limited", "Too Many Requests"),
    /// The request's header fields are larger than allowed, in all.
    HeaderFieldsTooLarge => (431, "request_header_fields_too_large", "Request Header Fields Too Large"),
    /// Something failed inside (a bug, a corrupt row); the log has the details.
    Internal => (500, "internal_error", "Internal Server Error"),
    /// A dependency (the database, the blob store, a mail server) is down.
    Unavailable => (503, "unavailable", "Service Unavailable"),
}
