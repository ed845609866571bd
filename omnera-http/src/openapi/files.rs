//! The attachment routes of a table in the OpenAPI document.

use omnera_core::TableSchema;
use serde_json::{Map, Value, json};

use super::names::TableOperation;
use super::tables::Operations;
use super::{add_errors, empty_operation};
use crate::error::ErrorKind::{
    InvalidJson, NotFound, PayloadTooLarge, RangeNotSatisfiable, UnsupportedMediaType, ValidationFailed,
};

/// Adds the upload, download and delete paths of `table`'s attachment fields, if it has any:
/// downloads for readers, uploads and deletes for those who may change the record.
pub(super) fn add(table: &TableSchema, operations: &mut Operations<'_>, paths: &mut Map<String, Value>) {
    let fields: Vec<&str> = table
        .fields()
        .iter()
        .filter(|field| field.kind().is_attachment())
        .map(|field| field.name())
        .collect();
    if fields.is_empty() {
        return;
    }
    let name = table.name();
    let path_parameter = |parameter: &str, schema: Value| json!({"name": parameter, "in": "path", "required": true, "schema": schema});
    let id = path_parameter("id", json!({"type": "integer", "format": "int64", "minimum": 1}));
    let field = path_parameter("field", json!({"type": "string", "enum": fields}));
    let file = path_parameter("file", json!({"type": "integer", "format": "int64", "minimum": 1}));
    operations.add(TableOperation::Upload, "post", |operation_id| {
        let mut responses = Map::new();
        responses.insert("201".into(), json!({"description": "stored", "content": {"application/json": {"schema": {
            "type": "object", "required": ["files"], "properties": {"files": {"type": "array", "items": {"$ref": "#/components/schemas/File"}}}}}}}));
        add_errors(
            &mut responses,
            &[NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, InvalidJson],
        );
        json!({
            "operationId": operation_id,
            "summary": format!("attach files to a {name} record"),
            "parameters": [id, field],
            "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
            "responses": responses,
        })
    });
    operations.finish(paths, format!("/api/tables/{name}/records/{{id}}/fields/{{field}}/files"));
    let parameters = json!([id, field, file]);
    operations.add(TableOperation::Download, "get", |operation_id| {
        let mut responses = Map::new();
        responses.insert("200".into(), json!({"description": "the file, with its stored type", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}));
        responses.insert("206".into(), json!({"description": "the range asked for", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}));
        responses.insert("304".into(), json!({"description": "not modified since the ETag"}));
        add_errors(&mut responses, &[NotFound, RangeNotSatisfiable]);
        json!({"operationId": operation_id, "summary": format!("download a file of a {name} record"),
            "parameters": parameters, "responses": responses})
    });
    operations.add(TableOperation::DeleteFile, "delete", |operation_id| {
        empty_operation(
            operation_id,
            &format!("delete a file of a {name} record"),
            parameters.clone(),
            None,
            &[NotFound],
        )
    });
    operations.finish(paths, format!("/api/tables/{name}/records/{{id}}/fields/{{field}}/files/{{file}}"));
}
