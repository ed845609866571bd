//! The secret vault: credentials that the config names as `{"secret": "name"}`, sealed with a
//! key the host keeps and stored in the app's database, read once when the app is built.

mod error;
mod key;
mod references;
mod resolved;
mod tokens;
mod vault;

pub use error::VaultError;
pub use key::SecretKey;
pub use references::{VaultReference, vault_references};
pub use resolved::Secrets;
pub use tokens::ConnectionTokens;
pub(crate) use vault::is_secret_name;
pub use vault::{SecretEntry, Vault};
