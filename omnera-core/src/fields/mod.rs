//! Field types: one module per type, and the registry that dispatches to them.
//!
//! Each module turns a field's raw options into its typed [`FieldKind`] (reporting options that
//! do not fit), and checks and normalises values of that type. Adding a type touches its module
//! and the two `match`es below.

mod attachment;
mod checkbox;
mod currency;
mod date;
mod datetime;
mod decimal;
mod email;
mod integer;
mod number;
mod phone;
mod relationship;
mod select;
mod text;
mod time;
mod url;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

pub use attachment::AttachmentOptions;
pub use currency::CurrencyOptions;
pub use decimal::DecimalOptions;
pub use integer::IntegerOptions;
pub use number::MAX_DECIMAL_DIGITS;
pub use relationship::RelationshipOptions;

pub(crate) use datetime::parse_timezone;
pub(crate) use email::normalize_address;

use crate::config::{FieldConfig, FieldType};
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

/// A field's type with its checked options.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum FieldKind {
    SingleLineText { max_length: u64 },
    LongText { max_length: Option<u64> },
    Email,
    Url,
    PhoneNumber,
    Integer(IntegerOptions),
    Decimal(DecimalOptions),
    Currency(CurrencyOptions),
    Percentage(DecimalOptions),
    Date { format: Option<String> },
    DateTime { format: Option<String>, timezone: chrono_tz::Tz },
    Time { format: Option<String> },
    Checkbox,
    SingleSelect { options: Vec<String> },
    MultiSelect { options: Vec<String>, max_selections: Option<u64> },
    Relationship(RelationshipOptions),
    SingleAttachment(AttachmentOptions),
    MultipleAttachments { storage: AttachmentOptions, max_files: u64 },
}

impl FieldKind {
    /// The type as written in the config.
    pub fn field_type(&self) -> FieldType {
        match self {
            Self::SingleLineText { .. } => FieldType::SingleLineText,
            Self::LongText { .. } => FieldType::LongText,
            Self::Email => FieldType::Email,
            Self::Url => FieldType::Url,
            Self::PhoneNumber => FieldType::PhoneNumber,
            Self::Integer(_) => FieldType::Integer,
            Self::Decimal(_) => FieldType::Decimal,
            Self::Currency(_) => FieldType::Currency,
            Self::Percentage(_) => FieldType::Percentage,
            Self::Date { .. } => FieldType::Date,
            Self::DateTime { .. } => FieldType::Datetime,
            Self::Time { .. } => FieldType::Time,
            Self::Checkbox => FieldType::Checkbox,
            Self::SingleSelect { .. } => FieldType::SingleSelect,
            Self::MultiSelect { .. } => FieldType::MultiSelect,
            Self::Relationship(_) => FieldType::Relationship,
            Self::SingleAttachment(_) => FieldType::SingleAttachment,
            Self::MultipleAttachments { .. } => FieldType::MultipleAttachments,
        }
    }

    /// Whether the field keeps files (a single or multiple attachment), which are written
    /// through the files API rather than in a record's body.
    ///
    /// ```
    /// use omnera_core::FieldKind;
    ///
    /// assert!(!FieldKind::Checkbox.is_attachment());
    /// ```
    pub fn is_attachment(&self) -> bool {
        matches!(self, Self::SingleAttachment(_) | Self::MultipleAttachments { .. })
    }

    /// The value an optional field takes when a replace omits it: `false` for a checkbox, an
    /// empty list for multi-valued kinds, null otherwise.
    pub fn empty_value(&self) -> FieldValue {
        match self {
            Self::Checkbox => FieldValue::Bool(false),
            Self::MultiSelect { .. } => FieldValue::Choices(Vec::new()),
            Self::Relationship(options)
                if options.relation_type == crate::config::RelationType::ManyToMany =>
            {
                FieldValue::References(Vec::new())
            }
            _ => FieldValue::Null,
        }
    }

    /// Checks a value written through the API and returns it normalised; `null` is the type's
    /// empty value (false for a checkbox, an empty list for multi-valued kinds, null otherwise;
    /// whether the field may be empty is the caller's check).
    ///
    /// ```
    /// use omnera_core::{Config, FieldValue};
    ///
    /// let schema = Config::from_json_str(r#"{"name": "Shop", "tables": [{"id": 1, "name": "items",
    ///     "fields": [{"id": 1, "name": "sku", "type": "single-line-text", "maxLength": 8}]}]}"#)
    ///     .unwrap()
    ///     .validate()
    ///     .unwrap();
    /// let sku = schema.table("items").unwrap().field("sku").unwrap();
    /// assert_eq!(sku.kind().normalize(&serde_json::json!("AB-1")), Ok(FieldValue::Text("AB-1".into())));
    /// assert_eq!(sku.kind().normalize(&serde_json::json!("far too long")).unwrap_err().code, "too_long");
    /// ```
    pub fn normalize(&self, value: &Value) -> Result<FieldValue, ValueProblem> {
        if value.is_null() {
            return Ok(self.empty_value());
        }
        if let Some(text) = value.as_str() {
            text::refuse_nul(text)?;
        }
        match self {
            Self::SingleLineText { max_length } => text::normalize(value, Some(*max_length), false),
            Self::LongText { max_length } => text::normalize(value, *max_length, true),
            Self::Email => email::normalize(value),
            Self::Url => url::normalize(value),
            Self::PhoneNumber => phone::normalize(value),
            Self::Integer(options) => integer::normalize(options, value),
            Self::Decimal(options) | Self::Percentage(options) => decimal::normalize(options, value),
            Self::Currency(options) => currency::normalize(options, value),
            Self::Date { .. } => date::normalize(value),
            Self::DateTime { timezone, .. } => datetime::normalize(*timezone, value),
            Self::Time { .. } => time::normalize(value),
            Self::Checkbox => checkbox::normalize(value),
            Self::SingleSelect { options } => select::normalize_one(options, value),
            Self::MultiSelect { options, max_selections } => {
                select::normalize_many(options, *max_selections, value)
            }
            Self::Relationship(options) => relationship::normalize(options, value),
            Self::SingleAttachment(_) | Self::MultipleAttachments { .. } => {
                Err(attachment::written_directly())
            }
        }
    }
}

/// A field's default: a value, or a moment taken when the record is created.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FieldDefault {
    /// This value.
    Value(FieldValue),
    /// `date`: the day the record is created (UTC).
    Today,
    /// `date`: the day after the record is created (UTC).
    Tomorrow,
    /// `datetime` and `time`: the moment the record is created (UTC).
    Now,
}

impl FieldDefault {
    /// The value for a record created at `now`.
    ///
    /// ```
    /// use omnera_core::{FieldDefault, FieldValue};
    ///
    /// let now = chrono::DateTime::parse_from_rfc3339("2024-12-31T23:00:00Z").unwrap().to_utc();
    /// let tomorrow = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    /// assert_eq!(FieldDefault::Tomorrow.resolve(now, false), FieldValue::Date(tomorrow));
    /// ```
    pub fn resolve(&self, now: DateTime<Utc>, is_time_of_day: bool) -> FieldValue {
        let today: NaiveDate = now.date_naive();
        match self {
            Self::Value(value) => value.clone(),
            Self::Today => FieldValue::Date(today),
            Self::Tomorrow => FieldValue::Date(today.succ_opt().unwrap_or(today)),
            Self::Now if is_time_of_day => FieldValue::Time(now.time()),
            Self::Now => FieldValue::DateTime(now),
        }
    }
}

/// The options each type accepts besides `id`, `name`, `type`, `required`, `description`.
fn accepted_options(field_type: FieldType) -> &'static [&'static str] {
    match field_type {
        FieldType::SingleLineText | FieldType::LongText => &["unique", "indexed", "default", "maxLength"],
        FieldType::Email | FieldType::Url | FieldType::PhoneNumber => &["unique", "indexed", "default"],
        FieldType::Integer => &["unique", "indexed", "default", "min", "max"],
        FieldType::Decimal | FieldType::Percentage => {
            &["unique", "indexed", "default", "min", "max", "precision"]
        }
        FieldType::Currency => &["unique", "indexed", "default", "min", "max", "currency"],
        FieldType::Date | FieldType::Time => &["unique", "indexed", "default", "format"],
        FieldType::Datetime => &["unique", "indexed", "default", "format", "timezone"],
        FieldType::Checkbox => &["indexed", "default"],
        FieldType::SingleSelect => &["indexed", "default", "options"],
        FieldType::MultiSelect => &["default", "options", "maxSelections"],
        FieldType::Relationship => {
            &["unique", "indexed", "relatedTable", "relationType", "displayField", "onDelete", "onUpdate"]
        }
        FieldType::SingleAttachment => &["storage"],
        FieldType::MultipleAttachments => &["storage", "maxFiles"],
    }
}

/// The optional keys a field sets, by their names in the document.
fn options_set(field: &FieldConfig) -> Vec<&'static str> {
    let flags = [
        ("unique", field.unique),
        ("indexed", field.indexed),
        ("default", field.default.is_some()),
        ("maxLength", field.max_length.is_some()),
        ("min", field.min.is_some()),
        ("max", field.max.is_some()),
        ("precision", field.precision.is_some()),
        ("currency", field.currency.is_some()),
        ("format", field.format.is_some()),
        ("timezone", field.timezone.is_some()),
        ("options", field.options.is_some()),
        ("maxSelections", field.max_selections.is_some()),
        ("relatedTable", field.related_table.is_some()),
        ("relationType", field.relation_type.is_some()),
        ("displayField", field.display_field.is_some()),
        ("onDelete", field.on_delete.is_some()),
        ("onUpdate", field.on_update.is_some()),
        ("storage", field.storage.is_some()),
        ("maxFiles", field.max_files.is_some()),
    ];
    flags.into_iter().filter(|(_, set)| *set).map(|(name, _)| name).collect()
}

/// Checks a field's options and default; returns its kind and default, reporting what is wrong.
pub(crate) fn check_field(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> (FieldKind, Option<FieldDefault>) {
    let accepted = accepted_options(field.field_type);
    for option in options_set(field) {
        if !accepted.contains(&option) {
            let message = format!("`{option}` does not apply to {} fields", field.field_type);
            cx.report(path.key(option), IssueCode::OptionNotAllowed, message);
        }
    }
    let kind = match field.field_type {
        FieldType::SingleLineText => text::single_line_options(field, path, cx),
        FieldType::LongText => text::long_text_options(field, path, cx),
        FieldType::Email => FieldKind::Email,
        FieldType::Url => FieldKind::Url,
        FieldType::PhoneNumber => FieldKind::PhoneNumber,
        FieldType::Integer => FieldKind::Integer(integer::options(field, path, cx)),
        FieldType::Decimal => FieldKind::Decimal(decimal::options(field, path, cx)),
        FieldType::Currency => FieldKind::Currency(currency::options(field, path, cx)),
        FieldType::Percentage => FieldKind::Percentage(decimal::options(field, path, cx)),
        FieldType::Date => FieldKind::Date { format: field.format.clone() },
        FieldType::Datetime => datetime::options(field, path, cx),
        FieldType::Time => FieldKind::Time { format: field.format.clone() },
        FieldType::Checkbox => FieldKind::Checkbox,
        FieldType::SingleSelect => select::single_options(field, path, cx),
        FieldType::MultiSelect => select::multi_options(field, path, cx),
        FieldType::Relationship => FieldKind::Relationship(relationship::options(field, path, cx)),
        FieldType::SingleAttachment => FieldKind::SingleAttachment(attachment::storage(field, path, cx)),
        FieldType::MultipleAttachments => attachment::multiple_options(field, path, cx),
    };
    let default = field
        .default
        .as_ref()
        .filter(|_| accepted.contains(&"default"))
        .and_then(|written| check_default(&kind, written, &path.key("default"), cx));
    (kind, default)
}

fn check_default(
    kind: &FieldKind,
    written: &Value,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> Option<FieldDefault> {
    let keyword = match (kind, written.as_str()) {
        (FieldKind::Date { .. }, Some("today")) => Some(FieldDefault::Today),
        (FieldKind::Date { .. }, Some("tomorrow")) => Some(FieldDefault::Tomorrow),
        (FieldKind::DateTime { .. } | FieldKind::Time { .. }, Some("now")) => Some(FieldDefault::Now),
        _ => None,
    };
    if keyword.is_some() {
        return keyword;
    }
    if written.is_null() {
        return None;
    }
    match kind.normalize(written) {
        Ok(value) => Some(FieldDefault::Value(value)),
        Err(problem) => {
            let hint = match (kind, written.as_str()) {
                (FieldKind::Date { .. }, Some(_)) => " (or `today`, `tomorrow`)",
                (FieldKind::DateTime { .. } | FieldKind::Time { .. }, Some(_)) => " (or `now`)",
                (_, Some("today" | "tomorrow" | "now")) => " (keywords apply only to date kinds)",
                _ => "",
            };
            cx.report(
                path.clone(),
                IssueCode::InvalidDefault,
                format!("the default does not fit: {problem}{hint}"),
            );
            None
        }
    }
}
