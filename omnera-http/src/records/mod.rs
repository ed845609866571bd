//! `/api/tables/{table}/records`: list, create, read, change, delete and batch.

mod batch_ids;
mod body;
mod etag;
pub(crate) mod params;
mod related_expansions;
mod related_filters;
mod visible_references;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use omnera_core::TableSchema;
use omnera_core::backend::{Caller, Record, RecordBatch, RecordJson, RecordUpdate, RecordValues, RowCheck};
use omnera_core::config::PermissionAction;
use omnera_core::record::DraftMode;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::{allowed_rows, caller, check_record, decide, narrowed, write_check};
use crate::error::{ApiError, ErrorKind, FieldError};
use crate::request_id::write_options;
use crate::state::ApiState;
use batch_ids::repeated_ids;
pub(crate) use body::JsonBody;
use etag::{etag_of, expected_version};
use params::list_request;
use related_expansions::{check_expandable, drop_unreadable};
use related_filters::guarded;
use visible_references::check_visible_references;

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

/// Checks a JSON object against the table; every problem at once.
fn checked(table: &TableSchema, value: &Value, mode: DraftMode) -> Result<RecordValues, ApiError> {
    let Some(object) = value.as_object() else {
        return Err(ApiError::new(ErrorKind::InvalidJson, "a record is a JSON object"));
    };
    table
        .check_draft(object, mode)
        .map_err(|problems| ApiError::invalid_fields(problems.into_iter().map(FieldError::from).collect()))
}

/// The field problems of one item of a list, prefixed with its place; an item that is not even
/// a record fails the whole request.
fn item_problems(place: &str, error: &ApiError) -> Result<Vec<FieldError>, ApiError> {
    if error.field_errors().is_empty() {
        return Err(ApiError::new(error.kind(), format!("{place}: a record is a JSON object")));
    }
    Ok(error
        .field_errors()
        .iter()
        .map(|problem| FieldError { field: format!("{place}.{}", problem.field), ..problem.clone() })
        .collect())
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

fn with_etag(state: &ApiState, table: &TableSchema, record: &Record, status: StatusCode) -> Response {
    let mut response = (status, Json(RecordJson::new(state.app.schema(), table, record))).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag_of(record)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

async fn list(
    State(state): State<ApiState>,
    Path(table_name): Path<String>,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let mut request = list_request(state.app.schema(), table, &pairs)?;
    let caller = caller(&state, &headers).await?;
    let allowed = allowed_rows(
        decide(&state, &caller, table.name(), PermissionAction::Read),
        &caller,
        "read these records",
    )?;
    // The caller's own filter and expand reach related tables only where the caller may read.
    let filter =
        request.query.filter.take().map(|filter| guarded(&state, &caller, table, filter)).transpose()?;
    check_expandable(&state, &caller, table, &request.query.expand)?;
    request.query.filter = narrowed(filter, allowed);
    request.query.caller = caller.clone();
    let mut page = state.storage()?.list(table.name(), &request.query).await?;
    drop_unreadable(&state, &caller, table, &mut page.records).await?;
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
        .map(|record| RecordJson::new(schema, table, record).with_fields(fields))
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
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let caller = caller(&state, &headers).await?;
    let check = write_check(&state, &caller, table.name(), PermissionAction::Create)?;
    if let Value::Array(items) = &body {
        if items.is_empty() {
            return Err(ApiError::new(ErrorKind::InvalidJson, "an empty list creates nothing"));
        }
        let mut drafts = Vec::with_capacity(items.len());
        let mut problems = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match checked(table, item, DraftMode::Create) {
                Ok(values) => drafts.push(values),
                Err(error) => problems.extend(item_problems(&format!("[{index}]"), &error)?),
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::invalid_fields(problems));
        }
        let records = insert(&state, &caller, table, drafts, check).await?;
        let schema = state.app.schema();
        let data: Vec<RecordJson<'_>> =
            records.iter().map(|record| RecordJson::new(schema, table, record)).collect();
        return Ok((StatusCode::CREATED, Json(CreatedRecords { data })).into_response());
    }
    let values = checked(table, &body, DraftMode::Create)?;
    let record = insert(&state, &caller, table, vec![values], check)
        .await?
        .pop()
        .ok_or_else(|| ApiError::new(ErrorKind::Internal, "nothing was created"))?;
    let mut response = with_etag(&state, table, &record, StatusCode::CREATED);
    let location = format!("/api/tables/{}/records/{}", table.name(), record.id);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Creates records that point only at rows `caller` may read; with a check, only if they are
/// all among its rows.
async fn insert(
    state: &ApiState,
    caller: &Caller,
    table: &TableSchema,
    drafts: Vec<RecordValues>,
    check: Option<RowCheck>,
) -> Result<Vec<Record>, ApiError> {
    for values in &drafts {
        check_visible_references(state, caller, table, values).await?;
    }
    let table = table.name();
    let storage = state.storage()?;
    let options = write_options(caller);
    Ok(match check {
        None => storage.insert(table, drafts, &options).await?,
        Some(check) => {
            let batch = RecordBatch::new(drafts, Vec::new(), Vec::new()).creating_within(check);
            storage.batch(table, batch, &options).await?.created
        }
    })
}

async fn read(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let id = record_id(table, &id)?;
    let caller = caller(&state, &headers).await?;
    check_record(&state, &caller, table.name(), id, PermissionAction::Read).await?;
    let record = state.storage()?.get(table.name(), id).await?;
    Ok(with_etag(&state, table, &record, StatusCode::OK))
}

async fn patch(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write(&state, &table_name, &id, &headers, &body, DraftMode::Patch).await
}

async fn replace(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write(&state, &table_name, &id, &headers, &body, DraftMode::Replace).await
}

async fn write(
    state: &ApiState,
    table_name: &str,
    id: &str,
    headers: &HeaderMap,
    body: &Value,
    mode: DraftMode,
) -> Result<Response, ApiError> {
    let table = table(state, table_name)?;
    let id = record_id(table, id)?;
    let caller = caller(state, headers).await?;
    check_record(state, &caller, table.name(), id, PermissionAction::Update).await?;
    let values = checked(table, body, mode)?;
    check_visible_references(state, &caller, table, &values).await?;
    let storage = state.storage()?;
    let expected = expected_version(headers, id)?;
    let options = write_options(&caller).if_version(expected);
    let updated = match write_check(state, &caller, table.name(), PermissionAction::Update)? {
        None => storage.update(table.name(), id, values, &options).await?,
        Some(check) => {
            // The changed record must still be one the caller may change.
            let change = RecordUpdate::new(id, values).if_version(expected);
            let batch = RecordBatch::new(Vec::new(), vec![change], Vec::new()).updating_within(check);
            storage
                .batch(table.name(), batch, &options)
                .await?
                .updated
                .pop()
                .ok_or_else(|| ApiError::new(ErrorKind::Internal, "nothing was changed"))?
        }
    };
    // The files of attachments the update emptied go once it is committed.
    crate::files::delete_record_blobs(state, table, updated.released_files).await;
    Ok(with_etag(state, table, &updated.record, StatusCode::OK))
}

async fn remove(
    State(state): State<ApiState>,
    Path((table_name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let table = table(&state, &table_name)?;
    let id = record_id(table, &id)?;
    let caller = caller(&state, &headers).await?;
    check_record(&state, &caller, table.name(), id, PermissionAction::Delete).await?;
    let expected = expected_version(&headers, id)?;
    let options = write_options(&caller).if_version(expected);
    let deleted = state.storage()?.delete(table.name(), id, &options).await?;
    // The files go once the delete is committed.
    crate::files::delete_record_blobs(&state, table, deleted.released_files).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `{create: [..], update: [{id, ..}], delete: [ids]}` in one transaction.
async fn batch(
    State(state): State<ApiState>,
    Path(table_name): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let table = table(&state, &table_name)?;
    let caller = caller(&state, &headers).await?;
    let Some(object) = body.as_object() else {
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
    let list = |key: &str| -> Result<Vec<Value>, ApiError> {
        match object.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(ApiError::new(ErrorKind::InvalidJson, format!("`{key}` is a list"))),
        }
    };
    let mut problems = Vec::new();
    let mut create = Vec::new();
    for (index, item) in list("create")?.iter().enumerate() {
        match checked(table, item, DraftMode::Create) {
            Ok(values) => create.push(values),
            Err(error) => problems.extend(item_problems(&format!("create[{index}]"), &error)?),
        }
    }
    let mut update = Vec::new();
    let mut update_ids = Vec::new();
    for (index, item) in list("update")?.iter().enumerate() {
        let mut fields = item.as_object().cloned().unwrap_or_default();
        let Some(id) = fields.remove("id").as_ref().and_then(whole_number) else {
            return Err(ApiError::new(
                ErrorKind::InvalidJson,
                format!("update[{index}] needs the record's `id`"),
            ));
        };
        update_ids.push(id);
        match checked(table, &Value::Object(fields), DraftMode::Patch) {
            Ok(values) => update.push(RecordUpdate::new(id, values)),
            Err(error) => problems.extend(item_problems(&format!("update[{index}]"), &error)?),
        }
    }
    let delete = list("delete")?
        .iter()
        .enumerate()
        .map(|(index, id)| {
            whole_number(id).ok_or_else(|| {
                ApiError::new(ErrorKind::InvalidJson, format!("delete[{index}] is not a record id"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    problems.extend(repeated_ids(&update_ids, &delete));
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(problems));
    }
    let create_check = if create.is_empty() {
        None
    } else {
        write_check(&state, &caller, table.name(), PermissionAction::Create)?
    };
    for change in &update {
        check_record(&state, &caller, table.name(), change.id, PermissionAction::Update).await?;
    }
    let update_check = if update.is_empty() {
        None
    } else {
        write_check(&state, &caller, table.name(), PermissionAction::Update)?
    };
    for id in &delete {
        check_record(&state, &caller, table.name(), *id, PermissionAction::Delete).await?;
    }
    for values in create.iter().chain(update.iter().map(|change| &change.values)) {
        check_visible_references(&state, &caller, table, values).await?;
    }
    let mut writes = RecordBatch::new(create, update, delete);
    if let Some(check) = create_check {
        writes = writes.creating_within(check);
    }
    if let Some(check) = update_check {
        writes = writes.updating_within(check);
    }
    let outcome = state.storage()?.batch(table.name(), writes, &write_options(&caller)).await?;
    crate::files::delete_record_blobs(&state, table, outcome.released_files().cloned().collect()).await;
    let shown = |record| RecordJson::new(state.app.schema(), table, record);
    let deleted: Vec<i64> = outcome.deleted.iter().map(|delete| delete.previous.id).collect();
    Ok(json_response(&BatchOutcome {
        created: outcome.created.iter().map(shown).collect(),
        updated: outcome.updated.iter().map(|update| shown(&update.record)).collect(),
        deleted: &deleted,
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
