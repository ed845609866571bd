//! Connections at run time: requests through `http` and `stripe` connections (and without one,
//! under an egress policy), and Stripe's webhook signatures.

mod egress;
mod error;
mod http_api;
mod retry;
mod stripe;

pub use egress::EgressPolicy;
pub use error::ConnectionError;
pub use http_api::{ApiBody, ApiRequest, ApiResponse, HttpApi, HttpApiOptions};
pub use stripe::{DEFAULT_TOLERANCE, STRIPE_API_BASE, SignatureError, stripe_api, verify_stripe_signature};
