//! The secret vault: credentials that the config names as `{"secret": "name"}`, kept encrypted in
//! the storage and read when the app is built.

mod resolved;

pub use resolved::Secrets;
