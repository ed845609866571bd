//! [`Records`]: the records service as one caller sees it.

use crate::backend::{Actor, Caller, Storage, WriteOptions};
use crate::{App, TableSchema};

use super::RecordsError;

/// The records of an app, as one caller reads and writes them: every call applies the policy,
/// the hooks and validation, in one transaction (see [the module](crate::records)). Cheap to
/// clone.
///
/// ```
/// use omnera_core::backend::Caller;
/// use omnera_core::records::RecordsError;
/// use omnera_core::{App, Config};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let app = App::from_config(Config::from_json_str(r#"{"name": "Empty"}"#).unwrap()).build().await.unwrap();
/// let records = app.records(Caller::anonymous());
/// let Err(RecordsError::UnknownTable { table }) = records.get("deals", 1).await else { panic!() };
/// assert_eq!(table, "deals");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Records {
    pub(crate) app: App,
    pub(crate) caller: Caller,
}

impl App {
    /// The records service, for `caller`: a user, [`Caller::anonymous`], or
    /// [`Caller::system`] acting under named roles.
    pub fn records(&self, caller: Caller) -> Records {
        Records { app: self.clone(), caller }
    }
}

impl Records {
    /// Who is calling.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The table named `name`.
    pub(crate) fn table(&self, name: &str) -> Result<&TableSchema, RecordsError> {
        self.app.schema().table(name).ok_or_else(|| RecordsError::UnknownTable { table: name.to_owned() })
    }

    /// The options of a write by this caller: who, and for which request.
    pub(crate) fn write_options(&self) -> WriteOptions {
        let options = WriteOptions::default().by(Actor::from(&self.caller));
        match &self.caller.request_id {
            Some(id) => options.for_request(id.clone()),
            None => options,
        }
    }

    /// The app's storage.
    pub(crate) fn storage(&self) -> Result<&dyn Storage, RecordsError> {
        self.app.storage().map(|storage| storage.as_ref()).ok_or(RecordsError::NoStorage)
    }
}
