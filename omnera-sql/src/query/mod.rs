//! Lists: filter, search, sort with `id` as the final tiebreak, offset or keyset pages, counts,
//! and expand of relationships in batched queries.

mod compiled;
mod cursor;
mod expand;
mod filter;

pub use compiled::{CompiledFilter, compile_filter};

use omnera_core::backend::{ListQuery, PageRequest, Record, RecordPage, SortKey, StorageError};
use omnera_core::{FieldValue, Schema};

use crate::connection::Transaction;
use crate::dialect::Dialect;
use crate::error::unavailable;
use crate::physical::ColumnType;
use crate::sql_value::SqlValue;
use crate::store::{TableLayout, complete_records, record_from_row};
use cursor::Cursor;
use filter::{ResolvedColumn, SqlBuilder};

/// The largest page.
pub(crate) const MAX_LIMIT: u64 = 1000;

pub(crate) async fn list(
    transaction: &mut Transaction,
    dialect: Dialect,
    schema: &Schema,
    table: &str,
    query: &ListQuery,
) -> Result<RecordPage, StorageError> {
    let (mut layout, table_schema) = TableLayout::of(schema, table)?;
    let invalid = |reason: String| StorageError::InvalidQuery { table: table.to_owned(), reason };
    if let Some(fields) = &query.fields {
        const SYSTEM: [&str; 3] = ["id", "created_at", "updated_at"];
        if let Some(unknown) = fields
            .iter()
            .find(|field| table_schema.field(field).is_none() && !SYSTEM.contains(&field.as_str()))
        {
            return Err(invalid(format!("table {table} has no field `{unknown}`")));
        }
        // Sort keys and expanded fields are read too: cursors and expand need their values.
        let needed = |name: &str| {
            fields.iter().any(|field| field == name)
                || query.sort.iter().any(|key| key.field == name)
                || query.expand.iter().any(|path| path.split('.').next() == Some(name))
        };
        layout.retain(needed);
    }
    let mut builder = SqlBuilder::new(dialect, schema, table_schema, &query.caller);
    let mut conditions = Vec::new();
    if let Some(filter) = &query.filter {
        conditions.push(builder.compile(filter)?);
    }
    if let Some(term) = query.search.as_deref().filter(|term| !term.trim().is_empty()) {
        let escaped = term.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let placeholder = builder.bind(SqlValue::Text(format!("%{escaped}%")));
        let searched: Vec<String> = table_schema
            .fields()
            .iter()
            .filter(|field| field.field_type().is_text())
            .map(|field| {
                builder.like(&format!("{}.{}", dialect.quote("r"), dialect.quote(field.name())), &placeholder)
            })
            .collect();
        conditions.push(if searched.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("({})", searched.join(" OR "))
        });
    }

    let sort = sort_keys(&query.sort);
    let signature = sort
        .iter()
        .map(|key| format!("{}{}", if key.descending { "-" } else { "" }, key.field))
        .collect::<Vec<_>>()
        .join(",");
    let mut sort_columns = Vec::with_capacity(sort.len());
    for key in &sort {
        let column = sort_column(&builder, &layout, dialect, &key.field)
            .ok_or_else(|| invalid(format!("cannot sort by `{}`", key.field)))?;
        sort_columns.push((column, key.descending));
    }
    let (limit, offset, cursor) = match &query.page {
        PageRequest::Offset { page, limit } => (*limit, page.saturating_sub(1).saturating_mul(*limit), None),
        PageRequest::After { cursor, limit } => {
            (*limit, 0, cursor.as_deref().map(|text| Cursor::decode(text, table)).transpose()?)
        }
        _ => return Err(invalid("unsupported page request".to_owned())),
    };
    if limit == 0 || limit > MAX_LIMIT {
        return Err(invalid(format!("limit must be 1 to {MAX_LIMIT}")));
    }

    let joins = builder.join_clauses();
    let from = format!("{} AS {} {joins}", dialect.quote(&layout.name), dialect.quote("r"));
    // A filtered page is found by reading every match anyway, so the same statement counts them
    // (see `counted_page_statement`) instead of a second scan. Unfiltered tables count fastest
    // on their own, and a keyset page sees only the rows after its cursor.
    let count_in_page = query.count_total && !conditions.is_empty() && cursor.is_none();
    let count_statement = format!("SELECT COUNT(*) FROM {from}{}", where_clause(&conditions));
    let count_params = builder.params.clone();
    let mut total = None;
    if let Some(cursor) = &cursor {
        if cursor.sort != signature {
            return Err(invalid("the cursor belongs to another sort".to_owned()));
        }
        conditions.push(
            keyset_condition(&mut builder, &sort_columns, &cursor.values)
                .ok_or_else(|| invalid("the cursor is not valid".to_owned()))?,
        );
    }
    let order: Vec<(String, &str)> = sort_columns
        .iter()
        .map(|(column, descending)| {
            // Empty values sort as the smallest: first ascending, last descending. Both databases'
            // indexes are built in that order (see ddl), so an index can serve the sort; a column
            // that cannot be empty says no NULLS at all, which the primary key's index serves.
            let direction = match (descending, column.nullable) {
                (false, true) => "ASC NULLS FIRST",
                (true, true) => "DESC NULLS LAST",
                (false, false) => "ASC",
                (true, false) => "DESC",
            };
            (column.expression.clone(), direction)
        })
        .collect();
    // The limit is written into the statement (a number up to MAX_LIMIT + 1, from a u64): SQLite
    // plans with a bound LIMIT's value, so rebinding it makes every run prepare the statement
    // again. The offset, which takes many more values, stays a parameter.
    let offset_placeholder = builder.bind(SqlValue::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
    let window = format!("LIMIT {} OFFSET {offset_placeholder}", limit + 1);
    let mut row_types = layout.row_types();
    let selected = layout.select_list(dialect, "r");
    let statement = if count_in_page {
        row_types.push(ColumnType::Integer);
        counted_page_statement(
            dialect,
            &layout.name,
            &selected,
            &from,
            &where_clause(&conditions),
            &order,
            &window,
        )
    } else {
        let order: Vec<String> =
            order.iter().map(|(expression, direction)| format!("{expression} {direction}")).collect();
        format!(
            "SELECT {selected} FROM {from}{} ORDER BY {} {window}",
            where_clause(&conditions),
            order.join(", ")
        )
    };
    let mut rows = transaction.fetch(&statement, &builder.params, &row_types).await.map_err(unavailable)?;
    if count_in_page {
        for row in &mut rows {
            total = row.pop().and_then(|count| count.as_i64()).map(i64::unsigned_abs);
        }
    }
    // A page past the last match carries no count; so does a list that counts on its own.
    if query.count_total && total.is_none() {
        let counted = transaction
            .fetch(&count_statement, &count_params, &[ColumnType::Integer])
            .await
            .map_err(unavailable)?;
        total = Some(
            counted
                .first()
                .and_then(|row| row.first())
                .and_then(SqlValue::as_i64)
                .unwrap_or(0)
                .unsigned_abs(),
        );
    }
    let has_next = rows.len() as u64 > limit;
    let mut records = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|row| record_from_row(&layout, row))
        .collect::<Result<Vec<_>, _>>()?;
    complete_records(transaction, dialect, &layout, &mut records).await?;
    let next_cursor = match records.last() {
        Some(last) if has_next => Some(
            Cursor { sort: signature, values: sort.iter().map(|key| sort_value(last, &key.field)).collect() }
                .encode(),
        ),
        _ => None,
    };
    expand::expand(transaction, dialect, schema, table_schema, &mut records, &query.expand).await?;
    if let Some(fields) = &query.fields {
        for record in &mut records {
            record.values.retain(|name, _| fields.contains(name) || record.expanded.contains_key(name));
        }
    }
    let mut page = RecordPage::new(records, total, has_next);
    page.next_cursor = next_cursor;
    Ok(page)
}

/// A page of a filtered list with the count of every match, in one statement. The matches are
/// collected once, narrow (their id and sort keys), to be counted and to have the page cut from
/// them; only the page's rows are then read whole. Sorting and counting whole rows cost a
/// filtered scan more than the scan itself.
fn counted_page_statement(
    dialect: Dialect,
    table: &str,
    selected: &str,
    from: &str,
    filter: &str,
    order: &[(String, &str)],
    window: &str,
) -> String {
    let (r, id) = (dialect.quote("r"), dialect.quote("id"));
    let row_id = format!("{r}.{id}");
    // Each sort key's name among the matches; the id, the usual final key, is the match's own
    // column rather than a copy of it.
    let named: Vec<(&str, String, &str)> = order
        .iter()
        .enumerate()
        .map(|(position, (expression, direction))| {
            let name = if *expression == row_id { "match_id".to_owned() } else { format!("k{position}") };
            (expression.as_str(), name, *direction)
        })
        .collect();
    let keys: String = named
        .iter()
        .filter(|(expression, _, _)| *expression != row_id)
        .map(|(expression, name, _)| format!(", {expression} AS {name}"))
        .collect();
    let order_by = |prefix: &str| {
        let keys: Vec<String> =
            named.iter().map(|(_, name, direction)| format!("{prefix}{name} {direction}")).collect();
        keys.join(", ")
    };
    format!(
        "WITH matches AS MATERIALIZED (SELECT {row_id} AS match_id{} FROM {from}{filter}), \
         page AS (SELECT * FROM matches ORDER BY {} {window}) \
         SELECT {selected}, (SELECT COUNT(*) FROM matches) FROM page JOIN {} AS {r} ON {row_id} = page.match_id \
         ORDER BY {}",
        keys,
        order_by(""),
        dialect.quote(table),
        order_by("page."),
    )
}

/// The sort with `id` ascending appended as the final tiebreak (default: `id`).
fn sort_keys(requested: &[SortKey]) -> Vec<SortKey> {
    let mut keys: Vec<SortKey> = requested.to_vec();
    if !keys.iter().any(|key| key.field == "id") {
        keys.push(SortKey { field: "id".to_owned(), descending: false });
    }
    if let Some(position) = keys.iter().position(|key| key.field == "id") {
        keys.truncate(position + 1);
    }
    keys
}

fn sort_column(
    builder: &SqlBuilder<'_>,
    layout: &TableLayout,
    dialect: Dialect,
    field: &str,
) -> Option<ResolvedColumn<'static>> {
    let (column_type, name, nullable) = match field {
        "id" => (ColumnType::Integer, field, false),
        "created_at" | "updated_at" => (ColumnType::Timestamp, field, false),
        _ => {
            let column = layout.column(field)?;
            if column.column_type == ColumnType::TextList {
                return None;
            }
            let required = builder.table.field(field).is_some_and(|field| field.is_required());
            (column.column_type, column.name.as_str(), !required && column.column_type != ColumnType::Boolean)
        }
    };
    Some(ResolvedColumn {
        expression: format!("{}.{}", dialect.quote("r"), dialect.quote(name)),
        column_type,
        kind: None,
        nullable,
    })
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

/// The record's value of a sort key, as the cursor keeps it: a decimal as its text, which keeps
/// every digit (a JSON number would be an f64).
fn sort_value(record: &Record, field: &str) -> serde_json::Value {
    match field {
        "id" => record.id.into(),
        "created_at" => FieldValue::DateTime(record.created_at).to_json(),
        "updated_at" => FieldValue::DateTime(record.updated_at).to_json(),
        _ => match record.values.get(field) {
            Some(FieldValue::Decimal(number)) => number.to_string().into(),
            value => value.map_or(serde_json::Value::Null, FieldValue::to_json),
        },
    }
}

/// Rows strictly after the cursor in the sort order, empty values being the smallest:
/// `(k1 after v1) OR (k1 = v1 AND k2 after v2) OR ...`.
fn keyset_condition(
    builder: &mut SqlBuilder<'_>,
    columns: &[(ResolvedColumn<'static>, bool)],
    values: &[serde_json::Value],
) -> Option<String> {
    if columns.len() != values.len() {
        return None;
    }
    let mut alternatives = Vec::new();
    let mut equal_so_far: Vec<String> = Vec::new();
    for ((column, descending), value) in columns.iter().zip(values) {
        let expression = &column.expression;
        let is_null = format!("{} IS NULL", column.expression);
        if value.is_null() {
            // After an empty value: ascending, every value; descending, nothing but ties.
            if !descending {
                let mut alternative = equal_so_far.clone();
                alternative.push(format!("{} IS NOT NULL", column.expression));
                alternatives.push(format!("({})", alternative.join(" AND ")));
            }
            equal_so_far.push(is_null);
            continue;
        }
        let bound = cursor_value(column, value)?;
        let right = builder.bind(bound);
        let after = match (descending, column.nullable) {
            (true, true) => format!("({expression} < {right} OR {is_null})"),
            (true, false) => format!("{expression} < {right}"),
            (false, _) => format!("{expression} > {right}"),
        };
        let mut alternative = equal_so_far.clone();
        alternative.push(after);
        alternatives.push(format!("({})", alternative.join(" AND ")));
        equal_so_far.push(format!("{expression} = {right}"));
    }
    Some(if alternatives.is_empty() {
        "1 = 0".to_owned()
    } else {
        format!("({})", alternatives.join(" OR "))
    })
}

fn cursor_value(column: &ResolvedColumn<'_>, value: &serde_json::Value) -> Option<SqlValue> {
    use std::str::FromStr;
    let text = || value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
    Some(match column.column_type {
        ColumnType::Integer | ColumnType::Reference => SqlValue::Integer(value.as_i64()?),
        ColumnType::Decimal { scale } => {
            SqlValue::Decimal { value: rust_decimal::Decimal::from_str(&text()).ok()?, scale }
        }
        ColumnType::Boolean => SqlValue::Bool(value.as_bool()?),
        ColumnType::Text | ColumnType::Choice => SqlValue::Text(value.as_str()?.to_owned()),
        ColumnType::Date => {
            SqlValue::Date(chrono::NaiveDate::parse_from_str(value.as_str()?, "%Y-%m-%d").ok()?)
        }
        ColumnType::Timestamp => {
            SqlValue::Timestamp(chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?.to_utc())
        }
        ColumnType::Time => {
            SqlValue::Time(chrono::NaiveTime::parse_from_str(value.as_str()?, "%H:%M:%S%.f").ok()?)
        }
        ColumnType::TextList | ColumnType::Json | ColumnType::TextDecimal => return None,
    })
}
