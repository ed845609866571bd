//! The OpenAPI 3.1 document, generated from the schema: every table's record schemas (read,
//! create, update), the list parameters, attachments, the auth routes, and the error responses.
//! Who sees how much of it is the host's [`OpenApiAccess`]: by default each caller sees the
//! tables and operations the app's permissions let it use.

// The document is built with `json!`, which serializes its arguments by reference: values passed
// in are used, though this lint cannot see it.
#![allow(clippy::needless_pass_by_value)]

mod auth;
mod fields;
mod files;
mod tables;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use omnera_core::Schema;
use omnera_core::config::PermissionAction;
use serde_json::{Map, Value, json};

use crate::access::{allows_any, caller, decide};
use crate::auth::admin;
use crate::error::{ApiError, ErrorKind};
use crate::options::OpenApiAccess;
use crate::records::params::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::ApiState;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new().route("/api/openapi.json", get(serve_document))
}

/// 200 with the document the host shows this caller. Admins only: 401 without credentials, 403
/// for others. Each caller its part: bad credentials are a 401, as on every route.
async fn serve_document(State(state): State<ApiState>, headers: HeaderMap) -> Result<Json<Value>, ApiError> {
    let schema = state.app.schema();
    let document = match state.openapi_access {
        OpenApiAccess::Everyone => assemble(schema, &Audience::WHOLE),
        OpenApiAccess::Admins => {
            admin(&state, &headers).await?;
            assemble(schema, &Audience::WHOLE)
        }
        OpenApiAccess::Permitted => {
            let caller = caller(&state, &headers).await?;
            let may = |table: &str, action| allows_any(&decide(&state, &caller, table, action));
            // The users API and the config are for admins, even in an app without an `auth`
            // section; there everyone may do everything else, so its document is whole.
            let admin_routes = caller.is_admin() || !schema.has_auth();
            assemble(schema, &Audience { may: &may, admin_routes })
        }
    };
    Ok(Json(document))
}

/// The OpenAPI document of an app.
///
/// ```
/// let schema = omnera_core::Config::from_json_str(r#"{"name": "Shop", "tables": [{"id": 1, "name": "items",
///     "fields": [{"id": 1, "name": "title", "type": "single-line-text", "required": true}]}]}"#)
///     .unwrap().validate().unwrap();
/// let document = omnera_http::openapi_document(&schema);
/// assert_eq!(document["openapi"], "3.1.0");
/// assert!(document["paths"]["/api/tables/items/records"]["post"].is_object());
/// assert_eq!(document["components"]["schemas"]["itemsCreate"]["required"][0], "title");
/// ```
pub fn document(schema: &Schema) -> Value {
    assemble(schema, &Audience::WHOLE)
}

/// Whom a document is for: the tables and operations it shows them.
pub(crate) struct Audience<'a> {
    /// Whether the reader may take an action on some rows of a table.
    may: &'a dyn Fn(&str, PermissionAction) -> bool,
    /// Whether the admin-only routes are shown.
    admin_routes: bool,
}

impl Audience<'_> {
    /// Whoever may see everything.
    const WHOLE: Audience<'static> = Audience { may: &|_, _| true, admin_routes: true };
}

/// The document as `audience` sees it.
fn assemble(schema: &Schema, audience: &Audience<'_>) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for table in schema.tables() {
        tables::add(table, tables::Permits::of(table.name(), audience), &mut paths, &mut schemas);
    }
    let oauth_connections: Vec<&str> = schema
        .auth()
        .providers()
        .iter()
        .map(String::as_str)
        .filter(|provider| *provider != "password")
        .collect();
    paths.extend(auth::paths(&oauth_connections, audience.admin_routes));
    paths.insert(
        "/health/live".into(),
        json!({"get": {"summary": "liveness", "responses": {"200": {"description": "alive"}}}}),
    );
    paths.insert(
        "/health/ready".into(),
        json!({"get": {"summary": "readiness: the database and the blob store answer", "responses": {"200": {"description": "ready"}, "503": problem_response(ErrorKind::Unavailable)}}}),
    );
    schemas.extend(shared_schemas());
    json!({
        "openapi": "3.1.0",
        "info": {"title": schema.name(), "version": schema.version().map_or_else(|| "0.0.0".to_owned(), ToString::to_string),
                 "description": schema.description().unwrap_or_default()},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

fn operation(
    summary: &str,
    parameters: Value,
    body: Option<Value>,
    status: &str,
    response: Value,
    errors: &[ErrorKind],
) -> Value {
    let success = json!({"description": "success", "content": {"application/json": {"schema": response}}});
    assembled(summary, parameters, body, (status, success), errors)
}

fn delete_operation(table: &str, id: Value, errors: &[ErrorKind]) -> Value {
    empty_operation(&format!("delete a {table} record"), json!([id, if_match()]), None, errors)
}

/// An operation that answers 204 with no body.
fn empty_operation(summary: &str, parameters: Value, body: Option<Value>, errors: &[ErrorKind]) -> Value {
    assembled(summary, parameters, body, ("204", json!({"description": "done"})), errors)
}

/// An operation with its success response, its errors and, if it takes one, its JSON body.
fn assembled(
    summary: &str,
    parameters: Value,
    body: Option<Value>,
    (status, success): (&str, Value),
    errors: &[ErrorKind],
) -> Value {
    let mut responses = Map::new();
    responses.insert(status.to_owned(), success);
    add_errors(&mut responses, errors);
    let mut operation = json!({"summary": summary, "parameters": parameters, "responses": responses});
    if let Some(body) = body {
        operation["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body}}});
    }
    operation
}

/// Errors any operation may answer (429 when the host limits requests).
const ALWAYS_POSSIBLE: [ErrorKind; 6] = [
    ErrorKind::Unauthorized,
    ErrorKind::Forbidden,
    ErrorKind::MethodNotAllowed,
    ErrorKind::RateLimited,
    ErrorKind::Internal,
    ErrorKind::Unavailable,
];

fn add_errors(responses: &mut Map<String, Value>, errors: &[ErrorKind]) {
    for kind in errors.iter().chain(ALWAYS_POSSIBLE.iter()) {
        responses.entry(kind.status().as_u16().to_string()).or_insert_with(|| problem_response(*kind));
    }
}

fn problem_response(kind: ErrorKind) -> Value {
    json!({"description": kind.title(), "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn if_match() -> Value {
    json!({"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"}})
}

fn list_parameters() -> Value {
    let query = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    json!([
        query("page", json!({"type": "integer", "minimum": 1}), "1-based page number"),
        query(
            "limit",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
            "records per page"
        ),
        query("after", json!({"type": "string"}), "the nextCursor of the previous page"),
        query("sort", json!({"type": "string"}), "comma list of fields, - for descending"),
        query("filter", json!({"type": "string"}), "a filter expression"),
        query("search", json!({"type": "string"}), "text to find in text fields"),
        query("fields", json!({"type": "string"}), "comma list of fields to return"),
        query("expand", json!({"type": "string"}), "comma list of relationships to embed"),
        query(
            "count",
            json!({"type": "string", "enum": ["exact", "none"]}),
            "whether to count every matching record"
        ),
    ])
}

fn shared_schemas() -> Map<String, Value> {
    let mut schemas = Map::new();
    schemas.insert("Pagination".into(), json!({"type": "object", "required": ["limit", "hasNext", "hasPrev"], "properties": {
        "page": {"type": "integer"}, "limit": {"type": "integer"}, "total": {"type": "integer"}, "totalPages": {"type": "integer"},
        "hasNext": {"type": "boolean"}, "hasPrev": {"type": "boolean"}, "nextCursor": {"type": ["string", "null"]}}}));
    schemas.insert("User".into(), auth::user_schema());
    schemas.insert("File".into(), json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "size": {"type": "integer"}, "mimeType": {"type": "string"},
        "url": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}}}));
    schemas.insert("Problem".into(), json!({"type": "object", "required": ["type", "title", "status", "code", "detail", "requestId"], "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "code": {"type": "string", "enum": ErrorKind::ALL.iter().map(|kind| kind.code()).collect::<Vec<_>>()},
        "detail": {"type": "string"}, "requestId": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "required": ["field", "code", "message"], "properties": {
            "field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}}}}));
    schemas
}
