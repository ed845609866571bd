//! Compiling the filter AST to SQL: identifiers from the schema, quoted; every value bound.

use std::str::FromStr;

use omnera_core::backend::{Caller, StorageError};
use omnera_core::config::RelationType;
use omnera_core::query::{CompareOp, Condition, FilterExpr, FilterList, FilterValue, Predicate};
use omnera_core::{FieldKind, Schema, TableSchema};
use rust_decimal::Decimal;

use crate::dialect::Dialect;
use crate::physical::{ColumnType, LinkTable, column_type};
use crate::sql_value::SqlValue;

/// The SQL being built for one query: its joins and bound parameters.
pub(crate) struct SqlBuilder<'s> {
    pub(crate) dialect: Dialect,
    pub(crate) schema: &'s Schema,
    pub(crate) table: &'s TableSchema,
    pub(crate) params: Vec<SqlValue>,
    pub(crate) joins: Vec<(Vec<String>, String, String)>,
    caller: &'s Caller,
}

/// A column a path resolves to.
pub(crate) struct ResolvedColumn<'s> {
    pub(crate) expression: String,
    pub(crate) column_type: ColumnType,
    pub(crate) kind: Option<&'s FieldKind>,
    /// Whether the column may hold NULL.
    pub(crate) nullable: bool,
}

/// What testing a condition costs each row it meets, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RowCost {
    /// A column compared as stored.
    Column,
    /// A value matched against a pattern: LIKE.
    Pattern,
    /// A subquery per row: links of a many-to-many field, members of a JSON list.
    Subquery,
}

/// What a path resolves to: a column, or a many-to-many field (kept in a link table).
enum Resolved<'s> {
    Column(ResolvedColumn<'s>),
    Links { link_table: String, owner_alias: String, target: &'s TableSchema },
}

impl<'s> SqlBuilder<'s> {
    pub(crate) fn new(
        dialect: Dialect,
        schema: &'s Schema,
        table: &'s TableSchema,
        caller: &'s Caller,
    ) -> Self {
        Self { dialect, schema, table, params: Vec::new(), joins: Vec::new(), caller }
    }

    fn invalid(&self, reason: String) -> StorageError {
        StorageError::InvalidQuery { table: self.table.name().to_owned(), reason }
    }

    /// Binds a parameter; returns its placeholder.
    pub(crate) fn bind(&mut self, value: SqlValue) -> String {
        self.params.push(value);
        self.dialect.placeholder(self.params.len())
    }

    /// How many parameters are bound so far.
    pub(crate) fn parameter_count(&self) -> usize {
        self.params.len()
    }

    /// `LEFT JOIN`s for the relationship paths used, in order.
    pub(crate) fn join_clauses(&self) -> String {
        self.joins.iter().map(|(_, _, clause)| clause.as_str()).collect::<Vec<_>>().join(" ")
    }

    pub(crate) fn compile(&mut self, filter: &FilterExpr) -> Result<String, StorageError> {
        self.compile_with_cost(filter).map(|(sql, _)| sql)
    }

    /// The SQL of a filter and what it costs a row. The terms of an AND go cheapest first: SQLite
    /// tests them in the order written on a scan and stops at the first false one, so
    /// `title ~ 'x' AND active` matches the pattern only where `active` holds. (PostgreSQL
    /// orders them by its own estimates.)
    fn compile_with_cost(&mut self, filter: &FilterExpr) -> Result<(String, RowCost), StorageError> {
        Ok(match filter {
            FilterExpr::And(children) | FilterExpr::Or(children) => {
                let mut parts: Vec<(String, RowCost)> =
                    children.iter().map(|child| self.compile_with_cost(child)).collect::<Result<_, _>>()?;
                let joiner = if matches!(filter, FilterExpr::And(_)) {
                    // Stable: equal costs keep the order they were written in.
                    parts.sort_by_key(|(_, cost)| *cost);
                    " AND "
                } else {
                    " OR "
                };
                let cost = parts.iter().map(|(_, cost)| *cost).max().unwrap_or(RowCost::Column);
                let sql: Vec<String> = parts.into_iter().map(|(sql, _)| sql).collect();
                (format!("({})", sql.join(joiner)), cost)
            }
            FilterExpr::Not(inner) => {
                let (sql, cost) = self.compile_with_cost(inner)?;
                (format!("NOT ({sql})"), cost)
            }
            FilterExpr::Condition(condition) => self.condition(condition)?,
        })
    }

    /// Resolves a path (`name`, `owner.name`) from the base table, joining as needed.
    fn resolve(&mut self, segments: &[String]) -> Result<Resolved<'s>, StorageError> {
        let quote = |name: &str| self.dialect.quote(name);
        let mut table = self.table;
        let mut alias = "r".to_owned();
        for (position, segment) in segments.iter().enumerate() {
            let last = position + 1 == segments.len();
            let system_type = match segment.as_str() {
                "id" => Some(ColumnType::Integer),
                "created_at" | "updated_at" => Some(ColumnType::Timestamp),
                _ => None,
            };
            if let (Some(column_type), true) = (system_type, last) {
                return Ok(Resolved::Column(ResolvedColumn {
                    expression: format!("{}.{}", quote(&alias), quote(segment)),
                    column_type,
                    kind: None,
                    nullable: false,
                }));
            }
            let field = table
                .field(segment)
                .ok_or_else(|| self.invalid(format!("table {} has no field `{segment}`", table.name())))?;
            if let FieldKind::Relationship(options) = field.kind() {
                let target = self
                    .schema
                    .table(&options.related_table)
                    .ok_or_else(|| self.invalid("unknown related table".to_owned()))?;
                if options.relation_type == RelationType::ManyToMany {
                    if !last {
                        return Err(
                            self.invalid(format!("`{segment}` is many-to-many: filter it with `has`"))
                        );
                    }
                    let link = LinkTable {
                        table_id: table.id(),
                        field_id: field.id(),
                        target_table_id: target.id(),
                        on_delete: options.on_delete,
                    };
                    return Ok(Resolved::Links { link_table: link.name(), owner_alias: alias, target });
                }
                if !last {
                    let path = segments[..=position].to_vec();
                    let joined = match self.joins.iter().find(|(joined, _, _)| *joined == path) {
                        Some((_, joined_alias, _)) => joined_alias.clone(),
                        None => {
                            let joined_alias = format!("j{}", self.joins.len() + 1);
                            let clause = format!(
                                "LEFT JOIN {} AS {} ON {}.{} = {}.{}",
                                quote(target.name()),
                                quote(&joined_alias),
                                quote(&joined_alias),
                                quote("id"),
                                quote(&alias),
                                quote(segment)
                            );
                            self.joins.push((path, joined_alias.clone(), clause));
                            joined_alias
                        }
                    };
                    alias = joined;
                    table = target;
                    continue;
                }
            } else if !last {
                return Err(
                    self.invalid(format!("`{segment}` is not a relationship, so `{segment}.` leads nowhere"))
                );
            }
            let column_type = column_type(field.kind()).ok_or_else(|| {
                self.invalid(format!("`{segment}` is a {} field and cannot be filtered", field.field_type()))
            })?;
            return Ok(Resolved::Column(ResolvedColumn {
                expression: format!("{}.{}", quote(&alias), quote(segment)),
                column_type,
                kind: Some(field.kind()),
                nullable: position > 0 || !field.is_required(),
            }));
        }
        Err(self.invalid("an empty field path".to_owned()))
    }

    fn condition(&mut self, condition: &Condition) -> Result<(String, RowCost), StorageError> {
        let path = condition.path.to_string();
        match self.resolve(condition.path.segments())? {
            Resolved::Links { link_table, owner_alias, target } => {
                let sql =
                    self.link_condition(&path, &link_table, &owner_alias, target, &condition.predicate)?;
                Ok((sql, RowCost::Subquery))
            }
            Resolved::Column(column) => {
                let sql = self.column_condition(&path, &column, &condition.predicate)?;
                Ok((sql, Self::row_cost(&condition.predicate)))
            }
        }
    }

    /// What testing a condition on a column costs a row.
    fn row_cost(predicate: &Predicate) -> RowCost {
        match predicate {
            Predicate::Has(_) => RowCost::Subquery,
            Predicate::Compare {
                op: CompareOp::Contains | CompareOp::NotContains | CompareOp::StartsWith | CompareOp::EndsWith,
                ..
            } => RowCost::Pattern,
            _ => RowCost::Column,
        }
    }

    fn link_condition(
        &mut self,
        path: &str,
        link_table: &str,
        owner_alias: &str,
        target: &TableSchema,
        predicate: &Predicate,
    ) -> Result<String, StorageError> {
        let quote = |name: &str| self.dialect.quote(name);
        let exists = format!(
            "EXISTS (SELECT 1 FROM {} AS l WHERE l.source_id = {}.{}",
            quote(link_table),
            quote(owner_alias),
            quote("id")
        );
        match predicate {
            Predicate::Has(value) => {
                let id = self.record_id(path, value)?;
                let placeholder = self.bind(SqlValue::Integer(id));
                Ok(format!("{exists} AND l.target_id = {placeholder})"))
            }
            Predicate::IsNull { negated } => {
                Ok(if *negated { format!("{exists})") } else { format!("NOT {exists})") })
            }
            _ => {
                Err(self
                    .invalid(format!("`{path}` links records of {}: use `has` or `is null`", target.name())))
            }
        }
    }

    fn record_id(&self, path: &str, value: &FilterValue) -> Result<i64, StorageError> {
        let id = match value {
            FilterValue::Number(number) => number.as_i64(),
            FilterValue::String(text) => text.parse().ok(),
            FilterValue::UserId => self.caller.user_id,
            _ => None,
        };
        id.ok_or_else(|| self.invalid(format!("`{path}` takes a record id")))
    }

    fn column_condition(
        &mut self,
        path: &str,
        column: &ResolvedColumn<'_>,
        predicate: &Predicate,
    ) -> Result<String, StorageError> {
        let expression = column.expression.clone();
        match predicate {
            Predicate::IsNull { negated } => Ok(match (column.column_type, negated) {
                (ColumnType::TextList, false) => {
                    format!("({expression} IS NULL OR {})", self.empty_list(&expression))
                }
                (ColumnType::TextList, true) => {
                    format!("({expression} IS NOT NULL AND NOT {})", self.empty_list(&expression))
                }
                (_, false) => format!("{expression} IS NULL"),
                (_, true) => format!("{expression} IS NOT NULL"),
            }),
            Predicate::Has(value) => {
                if column.column_type != ColumnType::TextList {
                    return Err(self.invalid(format!(
                        "`has` applies to multi-select and many-to-many fields, not `{path}`"
                    )));
                }
                let placeholder = self.bind(SqlValue::Text(self.text_of(path, value)?));
                Ok(match self.dialect {
                    Dialect::Sqlite => {
                        format!("EXISTS (SELECT 1 FROM json_each({expression}) WHERE value = {placeholder})")
                    }
                    Dialect::Postgres => format!("{placeholder} = ANY({expression})"),
                })
            }
            Predicate::In { negated, list } => {
                let values: Vec<FilterValue> = match list {
                    FilterList::Values(values) => values.clone(),
                    FilterList::UserRoles => self
                        .caller
                        .roles
                        .iter()
                        .cloned()
                        .chain(["anonymous".to_owned()])
                        .map(FilterValue::String)
                        .collect(),
                };
                let mut placeholders = Vec::with_capacity(values.len());
                for value in &values {
                    let bound = self.sql_value(path, column, value)?;
                    placeholders.push(self.bind(bound));
                }
                Ok(if *negated {
                    format!("({expression} NOT IN ({}) OR {expression} IS NULL)", placeholders.join(", "))
                } else {
                    format!("{expression} IN ({})", placeholders.join(", "))
                })
            }
            Predicate::Compare { op, value } => self.compare(path, column, *op, value),
        }
    }

    fn compare(
        &mut self,
        path: &str,
        column: &ResolvedColumn<'_>,
        op: CompareOp,
        value: &FilterValue,
    ) -> Result<String, StorageError> {
        let expression = column.expression.clone();
        let is_text = matches!(column.column_type, ColumnType::Text | ColumnType::Choice);
        match op {
            CompareOp::Contains | CompareOp::NotContains | CompareOp::StartsWith | CompareOp::EndsWith => {
                if !is_text {
                    return Err(
                        self.invalid(format!("`{}` applies to text fields, not `{path}`", op.symbol()))
                    );
                }
                let escaped =
                    self.text_of(path, value)?.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                let pattern = match op {
                    CompareOp::StartsWith => format!("{escaped}%"),
                    CompareOp::EndsWith => format!("%{escaped}"),
                    _ => format!("%{escaped}%"),
                };
                let placeholder = self.bind(SqlValue::Text(pattern));
                let like = self.like(&expression, &placeholder);
                Ok(if op == CompareOp::NotContains {
                    format!("(NOT {like} OR {expression} IS NULL)")
                } else {
                    like
                })
            }
            _ => {
                if matches!(column.column_type, ColumnType::TextList) {
                    return Err(self.invalid(format!("`{path}` holds several values: use `has`")));
                }
                if column.column_type == ColumnType::Boolean && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    return Err(self.invalid(format!("`{path}` is true or false: compare it with = or !=")));
                }
                let bound = self.sql_value(path, column, value)?;
                let placeholder = self.bind(bound);
                Ok(match op {
                    CompareOp::Ne => format!("({expression} <> {placeholder} OR {expression} IS NULL)"),
                    _ => format!("{expression} {} {placeholder}", op.symbol().replace("==", "=")),
                })
            }
        }
    }

    /// A case-insensitive LIKE with `\` as the escape.
    pub(crate) fn like(&self, expression: &str, placeholder: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("{expression} LIKE {placeholder} ESCAPE '\\'"),
            Dialect::Postgres => format!("{expression} ILIKE {placeholder} ESCAPE '\\'"),
        }
    }

    fn empty_list(&self, expression: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("{expression} = '[]'"),
            Dialect::Postgres => format!("cardinality({expression}) = 0"),
        }
    }

    fn text_of(&self, path: &str, value: &FilterValue) -> Result<String, StorageError> {
        match value {
            FilterValue::String(text) => Ok(text.clone()),
            FilterValue::Number(number) => Ok(number.as_str().to_owned()),
            _ => Err(self.invalid(format!("`{path}` takes text"))),
        }
    }

    /// The bound value of `value` for a column, checked against the column's type.
    fn sql_value(
        &self,
        path: &str,
        column: &ResolvedColumn<'_>,
        value: &FilterValue,
    ) -> Result<SqlValue, StorageError> {
        let unfit = || self.invalid(format!("the value for `{path}` does not fit its type"));
        let text = match value {
            FilterValue::UserId => {
                if !matches!(column.column_type, ColumnType::Integer | ColumnType::Reference) {
                    return Err(unfit());
                }
                return self
                    .caller
                    .user_id
                    .map(SqlValue::Integer)
                    .ok_or_else(|| self.invalid("@user.id needs a signed-in user".to_owned()));
            }
            // The bound value has the column's type: a date column compares with today (UTC).
            FilterValue::Now => {
                let now = crate::sql_value::now();
                return match column.column_type {
                    ColumnType::Timestamp => Ok(SqlValue::Timestamp(now)),
                    ColumnType::Date => Ok(SqlValue::Date(now.date_naive())),
                    _ => Err(unfit()),
                };
            }
            FilterValue::Bool(flag) => {
                return if column.column_type == ColumnType::Boolean {
                    Ok(SqlValue::Bool(*flag))
                } else {
                    Err(unfit())
                };
            }
            FilterValue::String(text) => text.clone(),
            FilterValue::Number(number) => number.as_str().to_owned(),
        };
        Ok(match column.column_type {
            ColumnType::Text | ColumnType::Choice => SqlValue::Text(text),
            ColumnType::Integer | ColumnType::Reference => {
                SqlValue::Integer(text.parse().map_err(|_| unfit())?)
            }
            ColumnType::Decimal { scale } => SqlValue::Decimal {
                value: Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .map_err(|_| unfit())?,
                scale,
            },
            ColumnType::Boolean => SqlValue::Bool(match text.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(unfit()),
            }),
            ColumnType::Date | ColumnType::Timestamp | ColumnType::Time => {
                let normalized = match column.kind {
                    Some(kind) => kind.normalize(&serde_json::Value::String(text)).map_err(|_| unfit())?,
                    None => FieldKind::DateTime { format: None, timezone: chrono_tz::UTC }
                        .normalize(&serde_json::Value::String(text))
                        .map_err(|_| unfit())?,
                };
                SqlValue::from_field(&normalized, column.column_type)
            }
            ColumnType::TextList | ColumnType::Json | ColumnType::TextDecimal => return Err(unfit()),
        })
    }
}
