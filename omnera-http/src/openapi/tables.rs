//! The record routes of a table in the OpenAPI document, each shown when its reader may take it.

use omnera_core::TableSchema;
use omnera_core::config::PermissionAction;
use serde_json::{Map, Value, json};

use super::{Audience, delete_operation, fields, files, if_match, list_parameters, operation};
use crate::error::ErrorKind::{
    self, InvalidJson, NotFound, PayloadTooLarge, PreconditionFailed, StillReferenced, UniqueViolation,
    UnsupportedMediaType, ValidationFailed,
};

/// What a write with a JSON body can go wrong with.
const WRITE_ERRORS: [ErrorKind; 6] =
    [InvalidJson, NotFound, UniqueViolation, PayloadTooLarge, UnsupportedMediaType, ValidationFailed];

/// What a reader may do with a table's records, as its operations need it. Changing or
/// deleting a record needs reading it too: a record one may not read is a 404 for writes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Permits {
    pub(super) read: bool,
    pub(super) create: bool,
    pub(super) update: bool,
    pub(super) delete: bool,
}

impl Permits {
    /// What `audience` may do with `table`.
    pub(super) fn of(table: &str, audience: &Audience<'_>) -> Self {
        let may = |action| (audience.may)(table, action);
        let read = may(PermissionAction::Read);
        Self {
            read,
            create: may(PermissionAction::Create),
            update: read && may(PermissionAction::Update),
            delete: read && may(PermissionAction::Delete),
        }
    }

    /// Whether a batch can do anything.
    fn batch(self) -> bool {
        self.create || self.update || self.delete
    }
}

/// Adds `table`'s paths, with the operations `permits` allows, and its record schemas when any
/// operation is shown.
pub(super) fn add(
    table: &TableSchema,
    permits: Permits,
    paths: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) {
    if !(permits.read || permits.create) {
        return;
    }
    let name = table.name();
    let (read, create, update) = fields::record_schemas(table);
    schemas.insert(name.to_owned(), read);
    schemas.insert(format!("{name}Create"), create);
    schemas.insert(format!("{name}Update"), update);
    let record = json!({"$ref": format!("#/components/schemas/{name}")});
    let create_ref = json!({"$ref": format!("#/components/schemas/{name}Create")});
    let update_ref = json!({"$ref": format!("#/components/schemas/{name}Update")});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64", "minimum": 1}});

    let mut records = Map::new();
    if permits.read {
        records.insert("get".into(), operation(&format!("list {name}"), list_parameters(), None, "200", json!({
            "type": "object", "required": ["data", "pagination"],
            "properties": {"data": {"type": "array", "items": record}, "pagination": {"$ref": "#/components/schemas/Pagination"}}
        }), &[ErrorKind::BadRequest, NotFound]));
    }
    if permits.create {
        records.insert("post".into(), operation(&format!("create {name} records"), json!([]),
            Some(json!({"oneOf": [create_ref, {"type": "array", "minItems": 1, "items": create_ref}]})),
            "201", json!({"oneOf": [record, {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": record}}}]}),
            &WRITE_ERRORS));
    }
    insert_item(paths, format!("/api/tables/{name}/records"), records);

    let mut record_item = Map::new();
    let with_precondition: Vec<ErrorKind> =
        WRITE_ERRORS.iter().copied().chain([PreconditionFailed]).collect();
    if permits.read {
        record_item.insert(
            "get".into(),
            operation(
                &format!("read a {name} record"),
                json!([id]),
                None,
                "200",
                record.clone(),
                &[NotFound],
            ),
        );
    }
    if permits.update {
        record_item.insert(
            "patch".into(),
            operation(
                &format!("change a {name} record"),
                json!([id, if_match()]),
                Some(update_ref.clone()),
                "200",
                record.clone(),
                &with_precondition,
            ),
        );
        record_item.insert(
            "put".into(),
            operation(
                &format!("replace a {name} record"),
                json!([id, if_match()]),
                Some(create_ref.clone()),
                "200",
                record.clone(),
                &with_precondition,
            ),
        );
    }
    if permits.delete {
        record_item.insert(
            "delete".into(),
            delete_operation(name, id, &[NotFound, StillReferenced, PreconditionFailed]),
        );
    }
    insert_item(paths, format!("/api/tables/{name}/records/{{id}}"), record_item);

    if permits.batch() {
        let batch = operation(
            &format!("create, change and delete {name} records at once"),
            json!([]),
            Some(json!({"type": "object", "additionalProperties": false, "properties": {
                "create": {"type": "array", "items": create_ref},
                "update": {"type": "array", "items": {"allOf": [update_ref, {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}}}]}},
                "delete": {"type": "array", "items": {"type": "integer", "minimum": 1}}}})),
            "200",
            json!({"type": "object", "properties": {
                "created": {"type": "array", "items": record}, "updated": {"type": "array", "items": record},
                "deleted": {"type": "array", "items": {"type": "integer"}}}}),
            &[WRITE_ERRORS.as_slice(), &[StillReferenced]].concat(),
        );
        paths.insert(format!("/api/tables/{name}/records/batch"), json!({"post": batch}));
    }
    paths.extend(files::paths(table, permits));
}

/// Adds a path with its operations, unless it has none.
pub(super) fn insert_item(paths: &mut Map<String, Value>, path: String, operations: Map<String, Value>) {
    if !operations.is_empty() {
        paths.insert(path, Value::Object(operations));
    }
}
