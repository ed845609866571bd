//! The record routes of a table in the OpenAPI document, each shown when its reader may take it.

use omnera_core::TableSchema;
use omnera_core::config::PermissionAction;
use serde_json::{Map, Value, json};

use super::names::{OperationIds, TableOperation};
use super::{empty_operation, fields, files, if_match, list_parameters, operation, security};
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
    /// What one who `may` take actions on tables may do with `table`.
    pub(super) fn of(table: &str, may: &dyn Fn(&str, PermissionAction) -> bool) -> Self {
        let may = |action| may(table, action);
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

    /// Whether one may take `operation`.
    pub(super) fn allow(self, operation: TableOperation) -> bool {
        match operation {
            TableOperation::List | TableOperation::Get | TableOperation::Download => self.read,
            TableOperation::Create => self.create,
            TableOperation::Batch => self.batch(),
            TableOperation::Update
            | TableOperation::Replace
            | TableOperation::Upload
            | TableOperation::DeleteFile => self.update,
            TableOperation::Delete => self.delete,
        }
    }
}

/// Who may take a table's operations: the document's reader, and anonymous callers.
#[derive(Debug, Clone, Copy)]
pub(super) struct TableAccess {
    pub(super) reader: Permits,
    pub(super) anonymous: Permits,
}

/// Adds `table`'s paths with the operations its reader may take, and its record schemas when any
/// is shown.
pub(super) fn add(
    table: &TableSchema,
    ids: &OperationIds,
    access: TableAccess,
    paths: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) {
    if !(access.reader.read || access.reader.create) {
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
    let id_parameter = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64", "minimum": 1}});
    let with_precondition: Vec<ErrorKind> =
        WRITE_ERRORS.iter().copied().chain([PreconditionFailed]).collect();
    let mut operations = Operations { table: name, ids, access, item: Map::new() };

    operations.add(TableOperation::List, "get", |operation_id| operation(operation_id, &format!("list {name}"), list_parameters(), None, "200", json!({
        "type": "object", "required": ["data", "pagination"],
        "properties": {"data": {"type": "array", "items": record}, "pagination": {"$ref": "#/components/schemas/Pagination"}}
    }), &[ErrorKind::BadRequest, NotFound]));
    operations.add(TableOperation::Create, "post", |operation_id| operation(operation_id, &format!("create {name} records"), json!([]),
        Some(json!({"oneOf": [create_ref, {"type": "array", "minItems": 1, "items": create_ref}]})),
        "201", json!({"oneOf": [record, {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": record}}}]}),
        &WRITE_ERRORS));
    operations.finish(paths, format!("/api/tables/{name}/records"));

    operations.add(TableOperation::Get, "get", |operation_id| {
        operation(
            operation_id,
            &format!("read a {name} record"),
            json!([id_parameter]),
            None,
            "200",
            record.clone(),
            &[NotFound],
        )
    });
    operations.add(TableOperation::Update, "patch", |operation_id| {
        operation(
            operation_id,
            &format!("change a {name} record"),
            json!([id_parameter, if_match()]),
            Some(update_ref.clone()),
            "200",
            record.clone(),
            &with_precondition,
        )
    });
    operations.add(TableOperation::Replace, "put", |operation_id| {
        operation(
            operation_id,
            &format!("replace a {name} record"),
            json!([id_parameter, if_match()]),
            Some(create_ref.clone()),
            "200",
            record.clone(),
            &with_precondition,
        )
    });
    operations.add(TableOperation::Delete, "delete", |operation_id| {
        empty_operation(
            operation_id,
            &format!("delete a {name} record"),
            json!([id_parameter, if_match()]),
            None,
            &[NotFound, StillReferenced, PreconditionFailed],
        )
    });
    operations.finish(paths, format!("/api/tables/{name}/records/{{id}}"));

    operations.add(TableOperation::Batch, "post", |operation_id| operation(operation_id, &format!("create, change and delete {name} records at once"), json!([]),
        Some(json!({"type": "object", "additionalProperties": false, "properties": {
            "create": {"type": "array", "items": create_ref},
            "update": {"type": "array", "items": {"allOf": [update_ref, {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer", "minimum": 1}}}]}},
            "delete": {"type": "array", "items": {"type": "integer", "minimum": 1}}}})),
        "200", json!({"type": "object", "properties": {
            "created": {"type": "array", "items": record}, "updated": {"type": "array", "items": record},
            "deleted": {"type": "array", "items": {"type": "integer"}}}}),
        &[WRITE_ERRORS.as_slice(), &[StillReferenced]].concat()));
    operations.finish(paths, format!("/api/tables/{name}/records/batch"));

    files::add(table, &mut operations, paths);
}

/// The operations of one path of a table, gathered as they are added.
pub(super) struct Operations<'t> {
    table: &'t str,
    ids: &'t OperationIds,
    access: TableAccess,
    item: Map<String, Value>,
}

impl Operations<'_> {
    /// Adds `kind` under `method` if the reader may take it, made by `make` from its id; open to
    /// anonymous callers when they may take it (else it needs credentials, the document's
    /// default).
    pub(super) fn add(&mut self, kind: TableOperation, method: &str, make: impl FnOnce(&str) -> Value) {
        if !self.access.reader.allow(kind) {
            return;
        }
        let mut operation = make(&self.ids.of(self.table, kind));
        if self.access.anonymous.allow(kind) {
            operation["security"] = security::optional();
        }
        self.item.insert(method.to_owned(), operation);
    }

    /// Adds the path with the operations added since the last one, unless there are none.
    pub(super) fn finish(&mut self, paths: &mut Map<String, Value>, path: String) {
        let item = std::mem::take(&mut self.item);
        if !item.is_empty() {
            paths.insert(path, Value::Object(item));
        }
    }
}
