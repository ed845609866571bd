//! Field values in their checked, normalised form.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;

/// A value of one field of a record, checked and normalised by its field type.
///
/// ```
/// use omnera_core::FieldValue;
///
/// let value = FieldValue::Text("ann@example.com".into());
/// assert_eq!(value.to_json(), serde_json::json!("ann@example.com"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FieldValue {
    /// No value.
    Null,
    /// Text kinds.
    Text(String),
    /// `integer`.
    Integer(i64),
    /// `decimal`, `currency`, `percentage`: exact.
    Decimal(Decimal),
    /// `checkbox`.
    Bool(bool),
    /// `date`.
    Date(NaiveDate),
    /// `datetime`, in UTC.
    DateTime(DateTime<Utc>),
    /// `time`.
    Time(NaiveTime),
    /// `multi-select`: in the order of the field's options.
    Choices(Vec<String>),
    /// A one-to-many or one-to-one relationship: the related record's id.
    Reference(i64),
    /// A many-to-many relationship: the related records' ids, without duplicates.
    References(Vec<i64>),
    /// `single-attachment`: the file, if there is one (read only; uploads go through the files API).
    File(Option<FileRef>),
    /// `multiple-attachments`: the files, oldest first (read only).
    Files(Vec<FileRef>),
}

/// A file attached to a record: its metadata, as storage reads it.
///
/// It has no URL: a file's URL names its table and field, which a rename changes, and the
/// path the API is mounted under, which only the HTTP layer knows. [`crate::backend::RecordJson`]
/// writes it when asked to (see [`crate::backend::RecordJson::with_file_urls`]).
///
/// ```
/// use omnera_core::FileRef;
/// use omnera_core::backend::{NewFile, StoredFile};
///
/// let stored = StoredFile::new(3, "people".into(), "avatar".into(), 7, NewFile::new("blob-1", "me.png", 42, "image/png"));
/// let file = FileRef::from(stored);
/// assert_eq!((file.id, file.name.as_str(), file.size), (3, "me.png", 42));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileRef {
    /// The file's id.
    pub id: i64,
    /// The name the client gave (shown, never used as a storage path).
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The type detected from the content.
    pub mime_type: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

impl From<crate::backend::StoredFile> for FileRef {
    fn from(file: crate::backend::StoredFile) -> Self {
        Self {
            id: file.id,
            name: file.name,
            size: file.size,
            mime_type: file.mime_type,
            created_at: file.created_at,
        }
    }
}

impl FieldValue {
    /// Whether the value counts as empty for a required field: null, empty text, no choices,
    /// no references.
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Null => true,
            Self::Text(text) => text.trim().is_empty(),
            Self::Choices(choices) => choices.is_empty(),
            Self::References(ids) => ids.is_empty(),
            Self::File(file) => file.is_none(),
            Self::Files(files) => files.is_empty(),
            _ => false,
        }
    }

    /// The value as the API writes it (see its `Serialize`, which writes it without this tree).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Why a value does not fit its field: a stable code and a message for people.
///
/// Codes: `wrong_type`, `contains_nul`, `too_long`, `line_break`, `invalid_email`, `invalid_url`,
/// `invalid_phone_number`, `out_of_range`, `too_many_decimals`, `invalid_date`,
/// `invalid_datetime`, `invalid_time`, `not_an_option`, `duplicate_value`, `too_many_values`,
/// `invalid_id`, `read_only`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueProblem {
    /// The stable code.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl ValueProblem {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub(crate) fn wrong_type(expected: &str, found: &serde_json::Value) -> Self {
        let found = match found {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a boolean",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Array(_) => "a list",
            serde_json::Value::Object(_) => "an object",
        };
        Self::new("wrong_type", format!("expected {expected}, found {found}"))
    }
}
