//! A filter compiled to SQL, for inspection, tests and benchmarks: what a list query would send.

use omnera_core::Schema;
use omnera_core::backend::{Caller, StorageError};
use omnera_core::query::FilterExpr;

use super::filter::SqlBuilder;
use crate::dialect::Dialect;

/// The SQL a filter compiles to: a `WHERE` condition with bound parameters only, and the joins
/// its relationship paths need.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompiledFilter {
    /// The condition, with placeholders for every value.
    pub condition: String,
    /// The `LEFT JOIN` clauses, in order.
    pub joins: String,
    /// How many parameters the condition binds.
    pub parameters: usize,
}

/// Compiles `filter` on `table` for `dialect`, as `caller` (for `@user.id` and `@user.roles`).
///
/// ```
/// use omnera_core::backend::Caller;
/// use omnera_sql::{Dialect, compile_filter};
///
/// let schema = omnera_core::Config::from_json_str(r#"{"name": "Shop", "tables": [{"id": 1, "name": "items",
///     "fields": [{"id": 1, "name": "price", "type": "integer"}]}]}"#).unwrap().validate().unwrap();
/// let filter = omnera_core::query::parse_filter("price > 500").unwrap();
/// let compiled = compile_filter(&schema, "items", &filter, &Caller::anonymous(), Dialect::Postgres).unwrap();
/// assert_eq!((compiled.condition.contains("$1"), compiled.parameters), (true, 1));
/// ```
pub fn compile_filter(
    schema: &Schema,
    table: &str,
    filter: &FilterExpr,
    caller: &Caller,
    dialect: Dialect,
) -> Result<CompiledFilter, StorageError> {
    let table_schema =
        schema.table(table).ok_or_else(|| StorageError::UnknownTable { table: table.to_owned() })?;
    let mut builder = SqlBuilder::new(dialect, schema, table_schema, caller);
    let condition = builder.compile(filter)?;
    Ok(CompiledFilter { condition, joins: builder.join_clauses(), parameters: builder.parameter_count() })
}
