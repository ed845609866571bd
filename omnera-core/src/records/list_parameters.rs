//! The list parameters of API.md (`page`, `limit`, `after`, `sort`, `filter`, `filter[..]`,
//! `search`, `fields`, `expand`, `count`), read into a [`ListQuery`]: the one syntax of lists for
//! the REST API and the pages. Every problem is [`RecordsError::InvalidQuery`] naming the
//! parameter as the client wrote it.

use std::str::FromStr;

use super::RecordsError;
use crate::backend::{ListQuery, PageRequest, SortKey};
use crate::query::{BracketOperator, Condition, FieldPath, FilterExpr, check_filter_fits, parse_filter};
use crate::{FieldKind, Schema, TableSchema};

/// A problem with the list parameter `parameter`.
fn bad_parameter(parameter: &str, reason: impl std::fmt::Display) -> RecordsError {
    RecordsError::InvalidQuery { parameter: parameter.to_owned(), reason: reason.to_string() }
}

/// The default page size.
pub const DEFAULT_LIMIT: u64 = 50;
/// The largest page size.
pub const MAX_LIMIT: u64 = 1000;

const SYSTEM_FIELDS: [&str; 3] = ["id", "created_at", "updated_at"];

/// A list request: the query, and how to describe its page in the envelope.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ListRequest {
    /// What to list.
    pub query: ListQuery,
    /// `Some(page)` for offset pages, `None` for cursor pages.
    pub page: Option<u64>,
    /// The page size.
    pub limit: u64,
    /// Whether the page follows a cursor (`after`).
    pub after: bool,
}

/// Reads the list parameters of a request to `table`; filters are checked against the table's
/// fields here, so a problem names the parameter as the client wrote it.
///
/// ```
/// use omnera_core::Config;
/// use omnera_core::records::list_request;
///
/// let schema = Config::from_json_str(r#"{"name": "Shop", "tables": [{"id": 1, "name": "items",
///     "fields": [{"id": 1, "name": "price", "type": "decimal"}]}]}"#).unwrap().validate().unwrap();
/// let items = schema.table("items").unwrap();
/// let pairs = [("sort".to_owned(), "-price".to_owned()), ("limit".to_owned(), "10".to_owned())];
/// let request = list_request(&schema, items, &pairs).unwrap();
/// assert_eq!((request.limit, request.query.sort[0].descending), (10, true));
/// let wrong = [("sort".to_owned(), "colour".to_owned())];
/// assert_eq!(list_request(&schema, items, &wrong).unwrap_err().to_string(),
///     "invalid parameter `sort`: table items has no field `colour`");
/// ```
pub fn list_request(
    schema: &Schema,
    table: &TableSchema,
    pairs: &[(String, String)],
) -> Result<ListRequest, RecordsError> {
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
                    return Err(bad_parameter(key, format!("the largest page is {MAX_LIMIT}")));
                }
            }
            "after" => after = Some(value.clone()),
            "sort" => query.sort = sort_keys(table, value)?,
            "filter" => {
                let filter = parse_filter(value).map_err(|error| bad_parameter(key, error))?;
                filters.push(fitting(schema, table, key, filter)?);
            }
            "search" if value.contains('\0') => {
                return Err(bad_parameter(key, "text cannot hold a NUL character"));
            }
            "search" => query.search = Some(value.clone()),
            "fields" => query.fields = Some(field_list(table, key, value)?),
            "expand" => query.expand = expand_paths(value),
            "count" => {
                query.count_total = match value.as_str() {
                    "exact" => true,
                    "none" => false,
                    _ => return Err(bad_parameter(key, "use exact or none")),
                };
            }
            _ if key.starts_with("filter[") => {
                filters.push(fitting(schema, table, key, bracket_filter(key, value)?)?);
            }
            _ => return Err(bad_parameter(key, "unknown parameter")),
        }
    }
    if page.is_some() && after.is_some() {
        return Err(bad_parameter("page", "`page` and `after` cannot be combined"));
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

/// A whole number of 1 or more, as the parameter `key` gives it.
pub fn positive(key: &str, value: &str) -> Result<u64, RecordsError> {
    match value.parse::<u64>() {
        Ok(number) if number > 0 => Ok(number),
        _ => Err(bad_parameter(key, format!("`{value}` is not a whole number of 1 or more"))),
    }
}

/// `sort=-created_at,name`: fields or system fields that hold one value each.
fn sort_keys(table: &TableSchema, value: &str) -> Result<Vec<SortKey>, RecordsError> {
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
                Err(bad_parameter("sort", format!("`{field}` holds several values and cannot be sorted by")))
            } else {
                Err(bad_parameter("sort", format!("table {} has no field `{field}`", table.name())))
            }
        })
        .collect()
}

fn field_list(table: &TableSchema, key: &str, value: &str) -> Result<Vec<String>, RecordsError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .map(|field| {
            if SYSTEM_FIELDS.contains(&field) || table.field(field).is_some() {
                Ok(field.to_owned())
            } else {
                Err(bad_parameter(key, format!("table {} has no field `{field}`", table.name())))
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
) -> Result<FilterExpr, RecordsError> {
    check_filter_fits(schema, table, &filter).map_err(|mismatch| bad_parameter(key, mismatch))?;
    Ok(filter)
}

/// `filter[field]=v` (equals) or `filter[field][op]=v`.
fn bracket_filter(key: &str, value: &str) -> Result<FilterExpr, RecordsError> {
    let inner = key
        .strip_prefix("filter[")
        .and_then(|rest| rest.strip_suffix(']'))
        .ok_or_else(|| bad_parameter(key, "write filter[field] or filter[field][operator]"))?;
    let (field, operator) = match inner.split_once("][") {
        Some((field, operator)) => (field, operator),
        None => (inner, "eq"),
    };
    let path = FieldPath::from_str(field).map_err(|error| bad_parameter(key, error))?;
    let operator = BracketOperator::from_str(operator).map_err(|error| bad_parameter(key, error))?;
    let predicate = operator.predicate(value).map_err(|error| bad_parameter(key, error))?;
    Ok(FilterExpr::Condition(Condition { path, predicate }))
}
