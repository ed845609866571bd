//! Connections to outside services, opened from the config's `connections`: mail ([`mail`]),
//! requests through `http` and `stripe` connections (and without one, under an egress policy),
//! and Stripe's webhook signatures.

mod checks;
mod egress;
mod error;
mod http_api;
pub mod mail;
mod retry;
mod stripe;

pub use checks::LiveChecks;
pub use egress::EgressPolicy;
pub use error::ConnectionError;
pub use http_api::{ApiBody, ApiRequest, ApiResponse, HttpApi, HttpApiOptions};
pub use stripe::{DEFAULT_TOLERANCE, STRIPE_API_BASE, SignatureError, stripe_api, verify_stripe_signature};
