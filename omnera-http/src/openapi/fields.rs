//! The JSON Schema of each field type, as read and as written.

use omnera_core::config::RelationType;
use omnera_core::{FieldKind, TableSchema};
use serde_json::{Map, Value, json};

/// A field's value as the API returns it (nullable unless required).
pub(super) fn read_schema(kind: &FieldKind, required: bool) -> Value {
    let schema = value_schema(kind);
    if required
        || matches!(
            kind,
            FieldKind::Checkbox | FieldKind::MultiSelect { .. } | FieldKind::MultipleAttachments { .. }
        )
    {
        schema
    } else {
        nullable(&schema)
    }
}

/// A field's value as a client may write it; `None` for fields written elsewhere (attachments).
pub(super) fn write_schema(kind: &FieldKind, required: bool) -> Option<Value> {
    match kind {
        FieldKind::SingleAttachment(_) | FieldKind::MultipleAttachments { .. } => None,
        _ if required => Some(not_empty(kind, value_schema(kind))),
        _ => Some(nullable(&value_schema(kind))),
    }
}

/// A required field's value must not be empty: text with a visible character, a list with an item.
fn not_empty(kind: &FieldKind, schema: Value) -> Value {
    match kind {
        FieldKind::SingleLineText { .. }
        | FieldKind::LongText { .. }
        | FieldKind::Email
        | FieldKind::Url
        | FieldKind::PhoneNumber => {
            json!({"allOf": [schema, {"type": "string", "minLength": 1, "pattern": "\\S"}]})
        }
        FieldKind::MultiSelect { .. } | FieldKind::Relationship(_) if schema["type"] == "array" => {
            json!({"allOf": [schema, {"type": "array", "minItems": 1}]})
        }
        _ => schema,
    }
}

fn nullable(schema: &Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

/// A number with the field's own `min` and `max`, if it has them.
fn bounded_number(min: Option<String>, max: Option<String>, integer: bool) -> Value {
    let mut schema = Map::new();
    schema.insert("type".into(), json!(if integer { "integer" } else { "number" }));
    if integer {
        schema.insert("format".into(), json!("int64"));
    }
    let bound = |text: Option<String>| -> Option<Value> {
        let text = text?;
        if integer {
            text.parse::<i64>().ok().map(Value::from)
        } else {
            text.parse::<f64>().ok().map(Value::from)
        }
    };
    if let Some(minimum) = bound(min) {
        schema.insert("minimum".into(), minimum);
    }
    if let Some(maximum) = bound(max) {
        schema.insert("maximum".into(), maximum);
    }
    Value::Object(schema)
}

fn value_schema(kind: &FieldKind) -> Value {
    match kind {
        FieldKind::SingleLineText { max_length } => {
            json!({"type": "string", "maxLength": max_length, "pattern": "^[^\\r\\n]*$"})
        }
        FieldKind::LongText { max_length } => match max_length {
            Some(max) => json!({"type": "string", "maxLength": max}),
            None => json!({"type": "string"}),
        },
        FieldKind::Email => json!({"type": "string", "format": "email"}),
        FieldKind::Url => json!({"type": "string", "format": "iri", "pattern": "^https?://"}),
        FieldKind::PhoneNumber => {
            json!({"type": "string", "pattern": "^\\+?(?:[ ().-]*[0-9]){7,15}[ ().-]*$"})
        }
        FieldKind::Integer(options) => bounded_number(
            options.min.map(|min| min.to_string()),
            options.max.map(|max| max.to_string()),
            true,
        ),
        FieldKind::Decimal(options) | FieldKind::Percentage(options) => bounded_number(
            options.min.map(|min| min.to_string()),
            options.max.map(|max| max.to_string()),
            false,
        ),
        FieldKind::Currency(options) => {
            let mut schema = bounded_number(
                options.min.map(|min| min.to_string()),
                options.max.map(|max| max.to_string()),
                false,
            );
            let step = 10f64.powi(-(options.minor_units as i32));
            schema["multipleOf"] = json!(step);
            schema
        }
        FieldKind::Date { .. } => json!({"type": "string", "format": "date"}),
        FieldKind::DateTime { .. } => json!({"type": "string", "format": "date-time"}),
        FieldKind::Time { .. } => {
            json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?$"})
        }
        FieldKind::Checkbox => json!({"type": "boolean"}),
        FieldKind::SingleSelect { options } => json!({"type": "string", "enum": options}),
        FieldKind::MultiSelect { options, max_selections } => {
            let mut schema =
                json!({"type": "array", "items": {"type": "string", "enum": options}, "uniqueItems": true});
            if let Some(max) = max_selections {
                schema["maxItems"] = json!(max);
            }
            schema
        }
        FieldKind::Relationship(options) if options.relation_type == RelationType::ManyToMany => {
            json!({"type": "array", "items": {"type": "integer", "minimum": 1, "format": "int64"}, "uniqueItems": true})
        }
        FieldKind::Relationship(_) => json!({"type": "integer", "minimum": 1, "format": "int64"}),
        FieldKind::SingleAttachment(_) => json!({"$ref": "#/components/schemas/File"}),
        FieldKind::MultipleAttachments { .. } => {
            json!({"type": "array", "items": {"$ref": "#/components/schemas/File"}})
        }
        _ => json!({}),
    }
}

/// The record as read, as created and as changed.
pub(super) fn record_schemas(table: &TableSchema) -> (Value, Value, Value) {
    let mut read = Map::new();
    read.insert("id".into(), json!({"type": "integer", "format": "int64"}));
    let mut create = Map::new();
    let mut required_on_create = Vec::new();
    for field in table.fields() {
        read.insert(field.name().into(), read_schema(field.kind(), field.is_required()));
        if let Some(written) = write_schema(field.kind(), field.is_required()) {
            create.insert(field.name().into(), written);
            if field.is_required() && field.default().is_none() {
                required_on_create.push(field.name().to_owned());
            }
        }
    }
    read.insert("created_at".into(), json!({"type": "string", "format": "date-time"}));
    read.insert("updated_at".into(), json!({"type": "string", "format": "date-time"}));
    // `fields` may leave out any field; the system fields always come.
    let read = json!({"type": "object", "properties": read, "required": ["id", "created_at", "updated_at"]});
    let update = json!({"type": "object", "properties": create, "additionalProperties": false});
    let create = json!({"type": "object", "properties": create, "required": required_on_create, "additionalProperties": false});
    (read, create, update)
}
