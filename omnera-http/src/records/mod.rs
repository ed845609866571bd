//! `/api/tables/{table}/records`: list, create, read, change, delete and batch.

mod body;
mod etag;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use omnera_core::TableSchema;
use omnera_core::backend::{Record, RecordJson};
use omnera_core::record::RecordDraft;
use omnera_core::records::{BatchDraft, RecordChange, Records, list_request};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::records_for;
use crate::error::{ApiError, ErrorKind};
use crate::mount_path::MountPath;
use crate::state::ApiState;
pub(crate) use body::JsonBody;
use etag::{etag_of, expected_version};

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/tables/{table}/records", get(list).post(create))
        .route("/api/tables/{table}/records/batch", post(batch))
        .route("/api/tables/{table}/records/{id}", get(read).patch(patch).put(replace).delete(remove))
}

fn table<'s>(state: &'s ApiState, name: &str) -> Result<&'s TableSchema, ApiError> {
    state
        .app
        .schema()
        .table(name)
        .ok_or_else(|| ApiError::new(ErrorKind::NotFound, format!("table {name} not found")))
}

fn record_id(table: &TableSchema, id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::new(ErrorKind::NotFound, format!("record {id} not found in table {}", table.name()))
    })
}

/// A record's draft from a JSON body (or one item of a list, named by `place`).
fn draft(value: Value, place: Option<&str>) -> Result<RecordDraft, ApiError> {
    RecordDraft::from_json(value).map_err(|error| {
        let detail = match place {
            Some(place) => format!("{place}: {error}"),
            None => error.to_string(),
        };
        ApiError::new(ErrorKind::InvalidJson, detail)
    })
}

/// A record id written as a JSON number (`5` or `5.0`).
fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|number| number.fract() == 0.0 && number.abs() < 9.0e15)
            .map(|number| number as i64)
    })
}

fn with_etag(
    state: &ApiState,
    mount: &MountPath,
    table: &TableSchema,
    record: &Record,
    status: StatusCode,
) -> Response {
    let shown = RecordJson::new(state.app.schema(), table, record).with_file_urls(&mount.0);
    let mut response = (status, Json(shown)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag_of(record)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

async fn list(
    State(state): State<ApiState>,
    Path(table_name): Path<String>,
    mount: MountPath,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let request = list_request(state.app.schema(), table, &pairs)?;
    let records = records_for(&state, &headers).await?;
    let page = records.list(table.name(), request.query.clone()).await?;
    let mut pagination = Map::new();
    if let Some(number) = request.page {
        pagination.insert("page".into(), number.into());
    }
    pagination.insert("limit".into(), request.limit.into());
    if let Some(total) = page.total {
        pagination.insert("total".into(), total.into());
        pagination.insert("totalPages".into(), total.div_ceil(request.limit).into());
    }
    pagination.insert("hasNext".into(), page.has_next.into());
    pagination
        .insert("hasPrev".into(), (request.after || request.page.is_some_and(|number| number > 1)).into());
    pagination.insert("nextCursor".into(), page.next_cursor.map_or(Value::Null, Value::String));
    let fields = request.query.fields.as_deref();
    let schema = state.app.schema();
    let data = page
        .records
        .iter()
        .map(|record| RecordJson::new(schema, table, record).with_fields(fields).with_file_urls(&mount.0))
        .collect();
    Ok(json_response(&ListEnvelope { data, pagination }))
}

/// A list's body: its page of records, written straight out, and where the page stands.
#[derive(Serialize)]
struct ListEnvelope<'r> {
    data: Vec<RecordJson<'r>>,
    pagination: Map<String, Value>,
}

/// A create of several records' body: the records made, written straight out.
#[derive(Serialize)]
struct CreatedRecords<'r> {
    data: Vec<RecordJson<'r>>,
}

/// 200 with `body` as JSON.
fn json_response(body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], bytes).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "a response could not be written");
            ApiError::new(ErrorKind::Internal, "the response could not be written").into_response()
        }
    }
}

async fn create(
    State(state): State<ApiState>,
    Path(table_name): Path<String>,
    mount: MountPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let records = records_for(&state, &headers).await?;
    if let Value::Array(items) = body {
        if items.is_empty() {
            return Err(ApiError::new(ErrorKind::InvalidJson, "an empty list creates nothing"));
        }
        let drafts = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| draft(item, Some(&format!("[{index}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        let created = records.create_many(table.name(), drafts).await?;
        let schema = state.app.schema();
        let data: Vec<RecordJson<'_>> = created
            .iter()
            .map(|record| RecordJson::new(schema, table, record).with_file_urls(&mount.0))
            .collect();
        return Ok((StatusCode::CREATED, Json(CreatedRecords { data })).into_response());
    }
    let record = records.create(table.name(), draft(body, None)?).await?;
    let mut response = with_etag(&state, &mount, table, &record, StatusCode::CREATED);
    let location = format!("{}/api/tables/{}/records/{}", mount.0, table.name(), record.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn read(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    mount: MountPath,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let id = record_id(table, &id)?;
    let record = records_for(&state, &headers).await?.get(table.name(), id).await?;
    Ok(with_etag(&state, &mount, table, &record, StatusCode::OK))
}

async fn patch(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    mount: MountPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write(&state, &mount, &table_name, &id, &headers, body, RecordChange::patch).await
}

async fn replace(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    mount: MountPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write(&state, &mount, &table_name, &id, &headers, body, RecordChange::replace).await
}

async fn write(
    state: &ApiState,
    mount: &MountPath,
    table_name: &str,
    id: &str,
    headers: &HeaderMap,
    body: Value,
    change: fn(i64, RecordDraft) -> RecordChange,
) -> Result<Response, ApiError> {
    let table = table(state, table_name)?;
    let id = record_id(table, id)?;
    let records = records_for(state, headers).await?;
    let mut change = change(id, draft(body, None)?);
    if let Some(version) = expected_version(headers, id)? {
        change = change.if_version(version);
    }
    let record = records.update(table.name(), change).await?;
    Ok(with_etag(state, mount, table, &record, StatusCode::OK))
}

async fn remove(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let table = table(&state, &table_name)?;
    let id = record_id(table, &id)?;
    let records = records_for(&state, &headers).await?;
    records.delete(table.name(), id, expected_version(&headers, id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{create: [..], update: [{id, ..}], delete: [ids]}` in one transaction.
async fn batch(
    State(state): State<ApiState>,
    Path(table_name): Path<String>,
    mount: MountPath,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let records: Records = records_for(&state, &headers).await?;
    let Value::Object(mut object) = body else {
        return Err(ApiError::new(
            ErrorKind::InvalidJson,
            "a batch is an object with create, update and delete",
        ));
    };
    if let Some(unknown) = object.keys().find(|key| !matches!(key.as_str(), "create" | "update" | "delete")) {
        return Err(ApiError::new(
            ErrorKind::InvalidJson,
            format!("unknown batch key `{unknown}`: use create, update and delete"),
        ));
    }
    let mut list = |key: &str| -> Result<Vec<Value>, ApiError> {
        match object.remove(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(ApiError::new(ErrorKind::InvalidJson, format!("`{key}` is a list"))),
        }
    };
    let (create, update, delete) = (list("create")?, list("update")?, list("delete")?);
    let create = create
        .into_iter()
        .enumerate()
        .map(|(index, item)| draft(item, Some(&format!("create[{index}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    let update = update
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let place = format!("update[{index}]");
            let mut fields = draft(item, Some(&place))?;
            let Some(id) = fields.remove("id").as_ref().and_then(whole_number) else {
                return Err(ApiError::new(
                    ErrorKind::InvalidJson,
                    format!("{place} needs the record's `id`"),
                ));
            };
            Ok(RecordChange::patch(id, fields))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let delete = delete
        .iter()
        .enumerate()
        .map(|(index, id)| {
            whole_number(id).ok_or_else(|| {
                ApiError::new(ErrorKind::InvalidJson, format!("delete[{index}] is not a record id"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let written = records.batch(table.name(), BatchDraft::new(create, update, delete)).await?;
    let shown = |record| RecordJson::new(state.app.schema(), table, record).with_file_urls(&mount.0);
    Ok(json_response(&BatchOutcome {
        created: written.created.iter().map(shown).collect(),
        updated: written.updated.iter().map(shown).collect(),
        deleted: &written.deleted,
    }))
}

/// A batch's body: the records it created and updated, written straight out, and the ids it
/// deleted.
#[derive(Serialize)]
struct BatchOutcome<'r> {
    created: Vec<RecordJson<'r>>,
    updated: Vec<RecordJson<'r>>,
    deleted: &'r [i64],
}
