//! The traits that backends implement. The engine holds each as a trait object
//! (`Arc<dyn Storage>` and so on), so a host can plug in its own.

mod account_admin;
mod accounts;
mod blob;
mod external_sign_in;
mod file_json;
mod identity;
mod jobs;
mod list_query;
mod mailer;
mod outbox;
mod plugin;
mod rate_limits;
mod record_json;
mod record_writes;
mod secret_store;
mod storage;
mod write_options;

pub use account_admin::{FailedSignIns, TokenPurpose, UserChanges, UserPage};
pub use accounts::{
    AccountError, AccountStore, ApiKey, ApiKeyStore, ExternalSignInStore, KeyHolder, NewApiKey, NewUser,
    OneTimeTokenStore, SessionStore, SignInFailureStore, User, UserStore,
};
pub use blob::{BlobError, BlobGetOptions, BlobMeta, BlobRead, BlobStore, BlobStream};
pub use external_sign_in::{ExternalAccount, PendingSignIn};
pub use identity::{ApiKeyScope, Caller, IdentityError, IdentityProvider, Policy, PolicyDecision};
pub use jobs::{Enqueued, Job, JobOutcome, JobQueue, JobState, NewJob};
pub use list_query::{ListQuery, PageRequest, RecordPage, SortKey};
#[cfg(feature = "testing")]
pub use mailer::RecordingMailer;
pub use mailer::{Email, LogMailer, MailError, Mailer};
pub use outbox::{ChangeKind, OutboxEvent, OutboxPosition};
pub use plugin::{Action, ActionError, ActionInput, Plugin, PluginContext, PluginError};
pub use rate_limits::{LocalRateLimits, RateLimits, RequestBudget};
pub use record_json::RecordJson;
pub use record_writes::{BatchOutcome, DeletedRecord, RecordBatch, RecordUpdate, RowCheck, UpdatedRecord};
pub use secret_store::{SealedSecret, SecretStore};
pub use storage::{
    ApplyOptions, FileChange, MigrationPlan, MigrationStep, NewFile, Record, RecordValues, Storage,
    StorageError, StoredFile,
};
pub use write_options::{Actor, ActorParseError, WriteOptions};
