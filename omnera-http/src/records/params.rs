//! The list parameters of API.md, read into a [`ListQuery`]; every problem is a 400 naming the
//! parameter.

use std::str::FromStr;

use omnera_core::backend::{ListQuery, PageRequest, SortKey};
use omnera_core::query::{
    BracketOperator, Condition, FieldPath, FilterExpr, check_filter_fits, parse_filter,
};
use omnera_core::{FieldKind, Schema, TableSchema};

use crate::error::ApiError;

/// The default page size.
pub(crate) const DEFAULT_LIMIT: u64 = 50;
/// The largest page size.
pub(crate) const MAX_LIMIT: u64 = 1000;

const SYSTEM_FIELDS: [&str; 3] = ["id", "created_at", "updated_at"];

/// A list request: the query, and how to describe its page in the envelope.
pub(crate) struct ListRequest {
    pub(crate) query: ListQuery,
    /// `Some(page)` for offset pages, `None` for cursor pages.
    pub(crate) page: Option<u64>,
    pub(crate) limit: u64,
    pub(crate) after: bool,
}

/// Reads the list parameters of a request to `table`; filters are checked against the table's
/// fields here, so a problem names the parameter as the client wrote it.
pub(crate) fn list_request(
    schema: &Schema,
    table: &TableSchema,
    pairs: &[(String, String)],
) -> Result<ListRequest, ApiError> {
    let mut query = ListQuery::default();
    let (mut page, mut limit, mut after) = (None, DEFAULT_LIMIT, None);
    let mut filters = Vec::new();
    for (key, value) in pairs {
        // An empty value is the same as no parameter (as an empty form field sends it).
        if value.is_empty()
            && matches!(key.as_str(), "after" | "sort" | "filter" | "search" | "fields" | "expand")
        {
            continue;
        }
        match key.as_str() {
            "page" => page = Some(positive(key, value)?),
            "limit" => {
                limit = positive(key, value)?;
                if limit > MAX_LIMIT {
                    return Err(ApiError::bad_parameter(key, format!("the largest page is {MAX_LIMIT}")));
                }
            }
            "after" => after = Some(value.clone()),
            "sort" => query.sort = sort_keys(table, value)?,
            "filter" => {
                let filter = parse_filter(value).map_err(|error| ApiError::bad_parameter(key, error))?;
                filters.push(fitting(schema, table, key, filter)?);
            }
            "search" if value.contains('\0') => {
                return Err(ApiError::bad_parameter(key, "text cannot hold a NUL character"));
            }
            "search" => query.search = Some(value.clone()),
            "fields" => query.fields = Some(field_list(table, key, value)?),
            "expand" => query.expand = expand_paths(value),
            "count" => {
                query.count_total = match value.as_str() {
                    "exact" => true,
                    "none" => false,
                    _ => return Err(ApiError::bad_parameter(key, "use exact or none")),
                };
            }
            _ if key.starts_with("filter[") => {
                filters.push(fitting(schema, table, key, bracket_filter(key, value)?)?);
            }
            _ => return Err(ApiError::bad_parameter(key, "unknown parameter")),
        }
    }
    if page.is_some() && after.is_some() {
        return Err(ApiError::bad_parameter("page", "`page` and `after` cannot be combined"));
    }
    query.filter = match filters.len() {
        0 => None,
        1 => filters.pop(),
        _ => Some(FilterExpr::and(filters)),
    };
    query.page = match &after {
        Some(cursor) => PageRequest::After { cursor: Some(cursor.clone()), limit },
        None => PageRequest::Offset { page: page.unwrap_or(1), limit },
    };
    Ok(ListRequest { query, page: after.is_none().then(|| page.unwrap_or(1)), limit, after: after.is_some() })
}

pub(crate) fn positive(key: &str, value: &str) -> Result<u64, ApiError> {
    match value.parse::<u64>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(ApiError::bad_parameter(key, format!("`{value}` is not a whole number of 1 or more"))),
    }
}

/// `sort=-created_at,name`: fields or system fields that hold one value each.
fn sort_keys(table: &TableSchema, value: &str) -> Result<Vec<SortKey>, ApiError> {
    value
        .split(',')
        .map(|key| {
            let key = key.trim();
            let (field, descending) = match key.strip_prefix('-') {
                Some(field) => (field, true),
                None => (key.strip_prefix('+').unwrap_or(key), false),
            };
            let sortable = SYSTEM_FIELDS.contains(&field)
                || table.field(field).is_some_and(|schema| {
                    schema.is_column() && !matches!(schema.kind(), FieldKind::MultiSelect { .. })
                });
            if sortable {
                Ok(SortKey { field: field.to_owned(), descending })
            } else if table.field(field).is_some() {
                Err(ApiError::bad_parameter(
                    "sort",
                    format!("`{field}` holds several values and cannot be sorted by"),
                ))
            } else {
                Err(ApiError::bad_parameter("sort", format!("table {} has no field `{field}`", table.name())))
            }
        })
        .collect()
}

fn field_list(table: &TableSchema, key: &str, value: &str) -> Result<Vec<String>, ApiError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .map(|field| {
            if SYSTEM_FIELDS.contains(&field) || table.field(field).is_some() {
                Ok(field.to_owned())
            } else {
                Err(ApiError::bad_parameter(key, format!("table {} has no field `{field}`", table.name())))
            }
        })
        .collect()
}

fn expand_paths(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|path| !path.is_empty()).map(str::to_owned).collect()
}

/// The filter of parameter `key` when its paths, operators and values fit the table's fields.
fn fitting(
    schema: &Schema,
    table: &TableSchema,
    key: &str,
    filter: FilterExpr,
) -> Result<FilterExpr, ApiError> {
    check_filter_fits(schema, table, &filter).map_err(|mismatch| ApiError::bad_parameter(key, mismatch))?;
    Ok(filter)
}

/// `filter[field]=v` (equals) or `filter[field][op]=v`.
fn bracket_filter(key: &str, value: &str) -> Result<FilterExpr, ApiError> {
    let inner = key
        .strip_prefix("filter[")
        .and_then(|rest| rest.strip_suffix(']'))
        .ok_or_else(|| ApiError::bad_parameter(key, "write filter[field] or filter[field][operator]"))?;
    let (field, operator) = match inner.split_once("][") {
        Some((field, operator)) => (field, operator),
        None => (inner, "eq"),
    };
    let path = FieldPath::from_str(field).map_err(|error| ApiError::bad_parameter(key, error))?;
    let operator =
        BracketOperator::from_str(operator).map_err(|error| ApiError::bad_parameter(key, error))?;
    let predicate = operator.predicate(value).map_err(|error| ApiError::bad_parameter(key, error))?;
    Ok(FilterExpr::Condition(Condition { path, predicate }))
}
