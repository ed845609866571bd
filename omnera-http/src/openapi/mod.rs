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
mod names;
mod security;
mod tables;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use omnera_core::Schema;
use omnera_core::backend::{Caller, Policy};
use omnera_core::config::PermissionAction;
use omnera_core::records::ConfigPolicy;
use serde_json::{Map, Value, json};

use crate::access::caller;
use crate::auth::admin;
use crate::error::{ApiError, ErrorKind};
use crate::mount_path::MountPath;
use crate::options::OpenApiAccess;
use crate::state::ApiState;
use omnera_core::records::{DEFAULT_LIMIT, MAX_LIMIT};

/// Where the document is served, below the router's mount point.
const DOCUMENT_PATH: &str = "/api/openapi.json";

pub(crate) fn routes() -> Router<ApiState> {
    Router::new().route(DOCUMENT_PATH, get(serve_document))
}

/// 200 with the document the host shows this caller. Admins only: 401 without credentials, 403
/// for others. Each caller its part: bad credentials are a 401, as on every route.
async fn serve_document(
    State(state): State<ApiState>,
    MountPath(mount): MountPath,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    // `None`: the whole document; a caller: the part it may use.
    let reader = match state.openapi_access {
        OpenApiAccess::Everyone => None,
        OpenApiAccess::Admins => {
            admin(&state, &headers).await?;
            None
        }
        OpenApiAccess::Permitted => Some(caller(&state.app, &headers).await?),
    };
    let schema = state.app.schema();
    let anonymous = state.app.records(Caller::anonymous());
    let anonymous_may = |table: &str, action| anonymous.may(table, action);
    // The server is where the router is mounted (a host may nest it), after the public origin.
    let server = format!("{}{mount}", state.public_origin.as_deref().unwrap_or_default());
    let api = Api { server: &server, anonymous_may: &anonymous_may, access: state.openapi_access };
    let document = match reader {
        None => assemble(schema, &Audience::WHOLE, &api),
        Some(caller) => {
            let admin_routes = caller.is_admin() || !schema.has_auth();
            let records = state.app.records(caller);
            let may = |table: &str, action| records.may(table, action);
            // The users API and the config are for admins, even in an app without an `auth`
            // section; there everyone may do everything else, so its document is whole.
            assemble(schema, &Audience { may: &may, admin_routes }, &api)
        }
    };
    Ok(Json(document))
}

/// The whole OpenAPI document of an app, as the router serves it to admins when mounted at `/`
/// with the default options (no public origin, permissions from the config's `auth`).
///
/// ```
/// let schema = omnera_core::Config::from_json_str(r#"{"name": "Shop", "tables": [{"id": 1, "name": "items",
///     "fields": [{"id": 1, "name": "title", "type": "single-line-text", "required": true}]}]}"#)
///     .unwrap().validate().unwrap();
/// let document = omnera_http::openapi_document(&schema);
/// assert_eq!(document["openapi"], "3.1.0");
/// assert_eq!(document["paths"]["/api/tables/items/records"]["post"]["operationId"], "createItem");
/// assert_eq!(document["components"]["schemas"]["itemsCreate"]["required"][0], "title");
/// ```
pub fn document(schema: &Schema) -> Value {
    let policy = ConfigPolicy::new(schema.clone());
    let anonymous = Caller::anonymous();
    let anonymous_may = |table: &str, action| policy.decide(&anonymous, table, action).allows_any();
    let api = Api { server: "", anonymous_may: &anonymous_may, access: OpenApiAccess::default() };
    assemble(schema, &Audience::WHOLE, &api)
}

/// Whom a document is for: the tables and operations it shows them.
struct Audience<'a> {
    /// Whether the reader may take an action on some rows of a table.
    may: &'a dyn Fn(&str, PermissionAction) -> bool,
    /// Whether the admin-only routes are shown.
    admin_routes: bool,
}

impl Audience<'_> {
    /// Whoever may see everything.
    const WHOLE: Audience<'static> = Audience { may: &|_, _| true, admin_routes: true };
}

/// What the document says of the API whoever reads it.
struct Api<'a> {
    /// The URL the paths are relative to (empty: the origin's root).
    server: &'a str,
    /// Whether anonymous callers may take an action on some rows of a table.
    anonymous_may: &'a dyn Fn(&str, PermissionAction) -> bool,
    /// Who may read the document.
    access: OpenApiAccess,
}

/// The document as `audience` sees it.
fn assemble(schema: &Schema, audience: &Audience<'_>, api: &Api<'_>) -> Value {
    let ids = names::OperationIds::new(schema);
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for table in schema.tables() {
        let access = tables::TableAccess {
            reader: tables::Permits::of(table.name(), audience.may),
            anonymous: tables::Permits::of(table.name(), api.anonymous_may),
        };
        tables::add(table, &ids, access, &mut paths, &mut schemas);
    }
    let oauth_connections: Vec<&str> = schema
        .auth()
        .providers()
        .iter()
        .map(String::as_str)
        .filter(|provider| *provider != "password")
        .collect();
    let connectable: Vec<&str> = schema
        .connections()
        .iter()
        .filter(|connection| matches!(connection, omnera_core::config::ConnectionConfig::Oauth(_)))
        .map(omnera_core::config::ConnectionConfig::name)
        .collect();
    paths.extend(auth::paths(&oauth_connections, &connectable, audience.admin_routes));
    paths.extend(meta_paths(api.access));
    // A part of the document keeps only the shared schemas it uses.
    let used = [serde_json::to_string(&paths), serde_json::to_string(&schemas)]
        .map(Result::unwrap_or_default)
        .concat();
    schemas.extend(
        shared_schemas()
            .into_iter()
            .filter(|(name, _)| used.contains(&format!("\"#/components/schemas/{name}\""))),
    );
    let server = if api.server.is_empty() { "/" } else { api.server };
    json!({
        "openapi": "3.1.0",
        "info": {"title": schema.name(), "version": schema.version().map_or_else(|| "0.0.0".to_owned(), ToString::to_string),
                 "description": schema.description().unwrap_or_default()},
        "servers": [{"url": server}],
        "security": security::signed_in(),
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": security::schemes()},
    })
}

/// The index, the health checks and the document itself.
fn meta_paths(access: OpenApiAccess) -> Map<String, Value> {
    let mut paths = Map::new();
    let mut live = assembled(
        "checkLiveness",
        "liveness",
        json!([]),
        None,
        ("200", json!({"description": "alive"})),
        &[],
    );
    let mut ready = assembled(
        "checkReadiness",
        "readiness: the database and the blob store answer",
        json!([]),
        None,
        ("200", json!({"description": "ready"})),
        &[],
    );
    let link = json!({"type": "string"});
    let mut index = operation(
        "getIndex",
        "where the API, this document and the health checks are",
        json!([]),
        None,
        "200",
        json!({"type": "object", "required": ["name", "openapi", "records", "health"], "properties": {
            "name": {"type": "string"}, "openapi": link, "records": link,
            "health": {"type": "object", "required": ["live", "ready"], "properties": {"live": link, "ready": link}}}}),
        &[],
    );
    for check in [&mut live, &mut ready, &mut index] {
        check["security"] = security::none();
        // The health checks and the index read no credentials: no 401 or 403.
        if let Some(responses) = check["responses"].as_object_mut() {
            responses.retain(|status, _| !matches!(status.as_str(), "401" | "403"));
        }
    }
    paths.insert("/".into(), json!({"get": index}));
    paths.insert("/health/live".into(), json!({"get": live}));
    paths.insert("/health/ready".into(), json!({"get": ready}));
    let mut document = operation(
        "getOpenApiDocument",
        "this document, as the caller may see it",
        json!([]),
        None,
        "200",
        json!({"type": "object"}),
        &[],
    );
    match access {
        OpenApiAccess::Everyone => document["security"] = security::none(),
        OpenApiAccess::Permitted => document["security"] = security::optional(),
        OpenApiAccess::Admins => {}
    }
    paths.insert(DOCUMENT_PATH.into(), json!({"get": document}));
    paths
}

fn operation(
    id: &str,
    summary: &str,
    parameters: Value,
    body: Option<Value>,
    status: &str,
    response: Value,
    errors: &[ErrorKind],
) -> Value {
    let success = json!({"description": "success", "content": {"application/json": {"schema": response}}});
    assembled(id, summary, parameters, body, (status, success), errors)
}

/// An operation that answers 204 with no body.
fn empty_operation(
    id: &str,
    summary: &str,
    parameters: Value,
    body: Option<Value>,
    errors: &[ErrorKind],
) -> Value {
    assembled(id, summary, parameters, body, ("204", json!({"description": "done"})), errors)
}

/// An operation with its id, its success response, its errors and, if it takes one, its JSON
/// body.
fn assembled(
    id: &str,
    summary: &str,
    parameters: Value,
    body: Option<Value>,
    (status, success): (&str, Value),
    errors: &[ErrorKind],
) -> Value {
    let mut responses = Map::new();
    responses.insert(status.to_owned(), success);
    add_errors(&mut responses, errors);
    let mut operation =
        json!({"operationId": id, "summary": summary, "parameters": parameters, "responses": responses});
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
        responses.entry(kind.http_status().to_string()).or_insert_with(|| problem_response(*kind));
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
