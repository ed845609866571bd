//! `relationship`: a reference to records of another table (or the same one).

use serde_json::Value;

use crate::config::{FieldConfig, ReferentialAction, RelationType};
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

/// The options of a `relationship` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipOptions {
    /// The related table's name.
    pub related_table: String,
    /// How many records the field links.
    pub relation_type: RelationType,
    /// The related table's field shown as the label (`None`: its id).
    pub display_field: Option<String>,
    /// What happens to this record when the related one is deleted.
    pub on_delete: ReferentialAction,
    /// What happens to this record when the related key changes.
    pub on_update: ReferentialAction,
}

pub(super) fn options(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> RelationshipOptions {
    let relation_type = field.relation_type.unwrap_or_default();
    let on_delete = field.on_delete.unwrap_or_default();
    let on_update = field.on_update.unwrap_or_default();
    let related_table = field.related_table.clone().unwrap_or_default();
    if field.related_table.is_none() {
        cx.report(
            path.key("relatedTable"),
            IssueCode::MissingOption,
            "relationship fields need `relatedTable`".to_owned(),
        );
    }
    let display_field = match cx.table(&related_table) {
        Some(target) => match field.display_field.as_deref() {
            Some(display) => {
                cx.require_field(target, display, &path.key("displayField"));
                Some(display.to_owned())
            }
            None => target
                .fields
                .iter()
                .find(|candidate| candidate.field_type.is_text())
                .map(|text| text.name.clone()),
        },
        None => {
            if field.related_table.is_some() {
                cx.require_table(&related_table, &path.key("relatedTable"));
            }
            field.display_field.clone()
        }
    };
    for (key, action) in [("onDelete", on_delete), ("onUpdate", on_update)] {
        if action == ReferentialAction::SetNull && field.required && relation_type != RelationType::ManyToMany
        {
            let message = format!("{key} set-null cannot apply to a required field");
            cx.report(path.key(key), IssueCode::InvalidValue, message);
        }
    }
    if relation_type == RelationType::ManyToMany && field.unique {
        let message = "`unique` does not apply to many-to-many relationships".to_owned();
        cx.report(path.key("unique"), IssueCode::OptionNotAllowed, message);
    }
    RelationshipOptions { related_table, relation_type, display_field, on_delete, on_update }
}

pub(super) fn normalize(options: &RelationshipOptions, value: &Value) -> Result<FieldValue, ValueProblem> {
    if options.relation_type != RelationType::ManyToMany {
        return record_id(value).map(FieldValue::Reference);
    }
    let Some(values) = value.as_array() else {
        return Err(ValueProblem::wrong_type("a list of record ids", value));
    };
    let mut ids = Vec::with_capacity(values.len());
    for value in values {
        let id = record_id(value)?;
        if ids.contains(&id) {
            return Err(ValueProblem::new("duplicate_value", format!("record {id} is listed twice")));
        }
        ids.push(id);
    }
    Ok(FieldValue::References(ids))
}

fn record_id(value: &Value) -> Result<i64, ValueProblem> {
    let whole_float = value
        .as_f64()
        .filter(|number| number.fract() == 0.0 && number.abs() < 9.0e15)
        .map(|number| number as i64);
    match value.as_i64().or(whole_float) {
        Some(id) if id > 0 => Ok(id),
        Some(_) => Err(ValueProblem::new("invalid_id", "a record id is a positive whole number")),
        None => Err(ValueProblem::wrong_type("a record id", value)),
    }
}
