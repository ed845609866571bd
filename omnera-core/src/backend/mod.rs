//! The traits that backends implement. The engine holds each as a trait object
//! (`Arc<dyn Storage>` and so on), so a host can plug in its own.

mod account_admin;
mod accounts;
mod blob;
mod external_sign_in;
mod file_json;
mod identity;
mod mailer;
mod plugin;
mod record_json;
mod storage;

pub use account_admin::{FailedSignIns, TokenPurpose, UserChanges, UserPage};
pub use accounts::{AccountError, AccountStore, ApiKey, KeyHolder, NewApiKey, NewUser, User};
pub use blob::{BlobError, BlobGetOptions, BlobMeta, BlobRead, BlobStore, BlobStream};
pub use external_sign_in::{ExternalAccount, PendingSignIn};
pub use identity::{ApiKeyScope, Caller, IdentityError, IdentityProvider, Policy, PolicyDecision};
#[cfg(feature = "testing")]
pub use mailer::RecordingMailer;
pub use mailer::{Email, LogMailer, MailError, Mailer};
pub use plugin::{Action, ActionError, ActionInput, Plugin, PluginContext, PluginError};
pub use record_json::RecordJson;
pub use storage::{
    ApplyOptions, BatchOutcome, ChangeKind, FileChange, ListQuery, MigrationPlan, MigrationStep, NewFile,
    OutboxEvent, PageRequest, Record, RecordBatch, RecordPage, RecordValues, RowCheck, SortKey, Storage,
    StorageError, StoredFile,
};
