//! Records as the engine reads and writes them, and the check of a draft against its table.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::backend::RecordValues;
use crate::validate::suggest::did_you_mean;
use crate::{TableSchema, ValueProblem};

/// How a draft's absent fields are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DraftMode {
    /// A new record: absent fields get their default; required fields must be present.
    Create,
    /// A change of the given fields only.
    Patch,
    /// Every writable field: absent optional fields become empty, required ones must be present.
    Replace,
}

/// A problem with one field of a draft.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    /// The field, as the client wrote it.
    pub field: String,
    /// A stable code: the value codes of [`ValueProblem`], and `required`, `unknown_field`,
    /// `read_only`.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl TableSchema {
    /// Checks and normalises a JSON object written by a client; returns every problem at once.
    /// Defaults are not applied here (a `today` default depends on the moment of the write):
    /// the storage applies them to fields absent from a create.
    ///
    /// ```
    /// use omnera_core::{Config, record::DraftMode};
    ///
    /// let schema = Config::from_json_str(r#"{"name": "Shop", "tables": [{"id": 1, "name": "items", "fields": [
    ///     {"id": 1, "name": "title", "type": "single-line-text", "required": true},
    ///     {"id": 2, "name": "price", "type": "decimal", "min": 0}]}]}"#).unwrap().validate().unwrap();
    /// let items = schema.table("items").unwrap();
    /// let draft = serde_json::json!({"price": -1, "colour": "red"});
    /// let problems = items.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap_err();
    /// let fields: Vec<(&str, &str)> = problems.iter().map(|p| (p.field.as_str(), p.code)).collect();
    /// assert_eq!(fields, [("colour", "unknown_field"), ("price", "out_of_range"), ("title", "required")]);
    /// ```
    pub fn check_draft(
        &self,
        draft: &Map<String, Value>,
        mode: DraftMode,
    ) -> Result<RecordValues, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut values = BTreeMap::new();
        for (name, value) in draft {
            let Some(field) = self.field(name) else {
                let (code, message) = if matches!(name.as_str(), "id" | "created_at" | "updated_at") {
                    ("read_only", format!("`{name}` is set by the engine"))
                } else {
                    let known = self.fields().iter().map(|field| field.name());
                    (
                        "unknown_field",
                        format!("table {} has no field `{name}`{}", self.name(), did_you_mean(name, known)),
                    )
                };
                problems.push(FieldProblem { field: name.clone(), code, message });
                continue;
            };
            if field.kind().is_attachment() && !value.is_null() {
                let problem = field
                    .kind()
                    .normalize(value)
                    .err()
                    .unwrap_or_else(|| ValueProblem::new("read_only", "read only"));
                problems.push(FieldProblem {
                    field: name.clone(),
                    code: problem.code,
                    message: problem.message,
                });
                continue;
            }
            match field.kind().normalize(value) {
                Ok(normalized) => {
                    if field.is_required() && normalized.is_empty() {
                        problems.push(required(name));
                    } else {
                        values.insert(name.clone(), normalized);
                    }
                }
                Err(problem) => problems.push(FieldProblem {
                    field: name.clone(),
                    code: problem.code,
                    message: problem.message,
                }),
            }
        }
        for field in self.fields() {
            if draft.contains_key(field.name()) || mode == DraftMode::Patch {
                continue;
            }
            let writable = !field.kind().is_attachment();
            let defaulted = mode == DraftMode::Create && field.default().is_some();
            if field.is_required() && writable && !defaulted {
                problems.push(required(field.name()));
            } else if mode == DraftMode::Replace && (writable || !field.is_required()) {
                // Optional attachments too: a PUT that leaves them out lets go of their files.
                values.insert(field.name().to_owned(), field.kind().empty_value());
            }
        }
        problems.sort_by(|a, b| a.field.cmp(&b.field));
        if problems.is_empty() { Ok(values) } else { Err(problems) }
    }
}

fn required(name: &str) -> FieldProblem {
    FieldProblem { field: name.to_owned(), code: "required", message: "is required".to_owned() }
}

/// The values a writer gives for one record, by field name, as JSON: what a REST body, a form
/// or an automation step holds before the field modules check and normalise it. Hooks see and
/// change drafts; the records service validates them after the hooks.
///
/// ```
/// use omnera_core::record::RecordDraft;
/// use serde_json::json;
///
/// let mut draft = RecordDraft::from_json(json!({"name": "Ada"})).unwrap();
/// draft.set("stage", "lead");
/// assert_eq!(draft.get("stage"), Some(&json!("lead")));
/// assert!(RecordDraft::from_json(json!([1, 2])).is_err(), "a record is an object");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordDraft {
    fields: Map<String, Value>,
}

/// A draft given as JSON that is not an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a record is a JSON object")]
pub struct NotAnObject;

impl RecordDraft {
    /// A draft with no values.
    pub fn new() -> Self {
        Self::default()
    }

    /// The draft a JSON object stands for.
    pub fn from_json(value: Value) -> Result<Self, NotAnObject> {
        match value {
            Value::Object(fields) => Ok(Self { fields }),
            _ => Err(NotAnObject),
        }
    }

    /// The value given for `field`.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    /// Gives `field` the value `value`.
    pub fn set(&mut self, field: impl Into<String>, value: impl Into<Value>) {
        self.fields.insert(field.into(), value.into());
    }

    /// Takes `field` out of the draft; returns the value it had.
    pub fn remove(&mut self, field: &str) -> Option<Value> {
        self.fields.remove(field)
    }

    /// Every value, by field name.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }
}

impl From<Map<String, Value>> for RecordDraft {
    fn from(fields: Map<String, Value>) -> Self {
        Self { fields }
    }
}
