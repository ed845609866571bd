//! Fields of a table: one flat object whose `type` says which options apply.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A field of a table, as written.
///
/// Every field has the same keys; which options apply depends on its [`FieldType`], and the
/// validator refuses an option that does not fit the type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FieldConfig {
    /// The field's permanent id, unique in its table; a rename keeps it.
    pub id: i64,
    /// The field's name: `^[a-z][a-z0-9_]*$`, at most 63 characters.
    pub name: String,
    /// The field's type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Whether a record must have a value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// Whether no two records may share a value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
    /// Whether the database keeps an index on the field.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub indexed: bool,
    /// The value a new record gets when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// What the field holds, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Text kinds: the most characters a value may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Number kinds: the smallest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Number>,
    /// Number kinds: the largest allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Number>,
    /// `decimal` and `percentage`: digits after the point, 0 to 10 (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<u32>,
    /// `currency`: the ISO 4217 code (default `USD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Date kinds: how values are displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `datetime`: the IANA zone for display and for values written without an offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Select kinds: the allowed values, at least one, unique.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// `multi-select`: the most values one record may hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_selections: Option<u64>,
    /// `relationship`: the table the field points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_table: Option<String>,
    /// `relationship`: one-to-many (default), one-to-one or many-to-many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_type: Option<RelationType>,
    /// `relationship`: the related table's field shown as the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_field: Option<String>,
    /// `relationship`: what happens to this record when the related one is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<ReferentialAction>,
    /// `relationship`: what happens to this record when the related key changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<ReferentialAction>,
    /// Attachment kinds: where files go and which are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<AttachmentStorageConfig>,
    /// `multiple-attachments`: the most files one record may hold (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u64>,
}

/// The 18 field types of format 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(extend("x-omnera-code" = "unknown_field_type"))]
#[allow(missing_docs)]
pub enum FieldType {
    SingleLineText,
    LongText,
    Email,
    Url,
    PhoneNumber,
    Integer,
    Decimal,
    Currency,
    Percentage,
    Date,
    Datetime,
    Time,
    Checkbox,
    SingleSelect,
    MultiSelect,
    Relationship,
    SingleAttachment,
    MultipleAttachments,
}

impl FieldType {
    /// Every field type, in the order of `CONFIG.md`.
    pub const ALL: [FieldType; 18] = [
        Self::SingleLineText,
        Self::LongText,
        Self::Email,
        Self::Url,
        Self::PhoneNumber,
        Self::Integer,
        Self::Decimal,
        Self::Currency,
        Self::Percentage,
        Self::Date,
        Self::Datetime,
        Self::Time,
        Self::Checkbox,
        Self::SingleSelect,
        Self::MultiSelect,
        Self::Relationship,
        Self::SingleAttachment,
        Self::MultipleAttachments,
    ];

    /// The name as written in the config, such as `single-line-text`.
    ///
    /// ```
    /// use omnera_core::config::FieldType;
    /// assert_eq!(FieldType::PhoneNumber.as_str(), "phone-number");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SingleLineText => "single-line-text",
            Self::LongText => "long-text",
            Self::Email => "email",
            Self::Url => "url",
            Self::PhoneNumber => "phone-number",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Currency => "currency",
            Self::Percentage => "percentage",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Time => "time",
            Self::Checkbox => "checkbox",
            Self::SingleSelect => "single-select",
            Self::MultiSelect => "multi-select",
            Self::Relationship => "relationship",
            Self::SingleAttachment => "single-attachment",
            Self::MultipleAttachments => "multiple-attachments",
        }
    }

    /// Whether values are text that `search` and text filters look into.
    pub fn is_text(self) -> bool {
        matches!(self, Self::SingleLineText | Self::LongText | Self::Email | Self::Url | Self::PhoneNumber)
    }
}

impl std::fmt::Display for FieldType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many records a relationship links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RelationType {
    /// A single reference; many records here may point to the same one.
    #[default]
    OneToMany,
    /// A single reference that no two records here share.
    OneToOne,
    /// A set of references kept in a join table.
    ManyToMany,
}

/// What happens to a referencing record when the referenced one is deleted or its key changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReferentialAction {
    /// The change fails with a conflict naming the referencing records.
    #[default]
    Restrict,
    /// The referencing records go too.
    Cascade,
    /// The reference is cleared.
    SetNull,
    /// The database checks at the end of the statement.
    NoAction,
}

/// Where an attachment field keeps its files and which it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AttachmentStorageConfig {
    /// `local` (the host's blob store, default) or the name of an s3, gcs or azure connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Overrides the connection's bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The largest file in bytes (default 10 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// Accepted MIME types or patterns such as `image/*` (default images and PDF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_types: Option<Vec<String>>,
}
