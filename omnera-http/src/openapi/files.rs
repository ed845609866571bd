//! The attachment routes of a table in the OpenAPI document.

use omnera_core::TableSchema;
use serde_json::{Map, Value, json};

use super::tables::{Permits, insert_item};
use super::{add_errors, empty_operation};
use crate::error::ErrorKind::{
    NotFound, PayloadTooLarge, RangeNotSatisfiable, UnsupportedMediaType, ValidationFailed,
};

/// The upload, download and delete paths of `table`'s attachment fields, if it has any, with the
/// operations `permits` allows: downloads to readers, uploads and deletes to those who may
/// change the record.
pub(super) fn paths(table: &TableSchema, permits: Permits) -> Map<String, Value> {
    let fields: Vec<&str> = table
        .fields()
        .iter()
        .filter(|field| field.kind().is_attachment())
        .map(|field| field.name())
        .collect();
    let mut paths = Map::new();
    if fields.is_empty() {
        return paths;
    }
    let name = table.name();
    let path_parameter = |parameter: &str, schema: Value| json!({"name": parameter, "in": "path", "required": true, "schema": schema});
    let id = path_parameter("id", json!({"type": "integer", "format": "int64", "minimum": 1}));
    let field = path_parameter("field", json!({"type": "string", "enum": fields}));
    let file = path_parameter("file", json!({"type": "integer", "format": "int64", "minimum": 1}));
    let mut upload_responses = Map::new();
    upload_responses.insert("201".into(), json!({"description": "stored", "content": {"application/json": {"schema": {
        "type": "object", "required": ["files"], "properties": {"files": {"type": "array", "items": {"$ref": "#/components/schemas/File"}}}}}}}));
    add_errors(
        &mut upload_responses,
        &[
            NotFound,
            PayloadTooLarge,
            UnsupportedMediaType,
            ValidationFailed,
            crate::error::ErrorKind::InvalidJson,
        ],
    );
    let upload = json!({
        "summary": format!("attach files to a {name} record"),
        "parameters": [id, field],
        "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"],
            "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
        "responses": upload_responses,
    });
    if permits.update {
        paths.insert(
            format!("/api/tables/{name}/records/{{id}}/fields/{{field}}/files"),
            json!({"post": upload}),
        );
    }
    let mut download_responses = Map::new();
    download_responses.insert("200".into(), json!({"description": "the file, with its stored type", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}));
    download_responses.insert("206".into(), json!({"description": "the range asked for", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}));
    download_responses.insert("304".into(), json!({"description": "not modified since the ETag"}));
    add_errors(&mut download_responses, &[NotFound, RangeNotSatisfiable]);
    let parameters = json!([id, field, file]);
    let mut file_item = Map::new();
    if permits.read {
        file_item.insert(
            "get".into(),
            json!({"summary": format!("download a file of a {name} record"),
            "parameters": parameters, "responses": download_responses}),
        );
    }
    if permits.update {
        file_item.insert(
            "delete".into(),
            empty_operation(&format!("delete a file of a {name} record"), parameters, None, &[NotFound]),
        );
    }
    insert_item(
        &mut paths,
        format!("/api/tables/{name}/records/{{id}}/fields/{{field}}/files/{{file}}"),
        file_item,
    );
    paths
}
