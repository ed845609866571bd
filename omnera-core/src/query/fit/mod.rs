//! Whether a parsed filter fits a table: every path names a field, every operator applies to
//! that field's type and every value parses for it. Storage may then compile the filter without
//! meeting a value its column cannot take.

use std::str::FromStr;

use rust_decimal::Decimal;
use thiserror::Error;

use crate::config::RelationType;
use crate::query::{CompareOp, Condition, FilterExpr, FilterList, FilterValue, Predicate};
use crate::{FieldKind, Schema, TableSchema};

/// Why a filter does not fit the table it filters.
///
/// Messages are lowercase sentences for the person who wrote the filter.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FilterMismatch {
    /// A path names a field its table does not have.
    #[error("table {table} has no field `{field}`")]
    UnknownField {
        /// The table the name was looked up in.
        table: String,
        /// The name.
        field: String,
    },
    /// A path goes on (`a.b`) from a field that is not a relationship, or from a many-to-many one.
    #[error("`{field}` is not a one-to-one or many-to-one relationship, so `{field}.` leads nowhere")]
    NotAPath {
        /// The field the path goes on from.
        field: String,
    },
    /// The field is not kept in a way filters can test (attachments).
    #[error("`{path}` is a {field_type} field and cannot be filtered")]
    NotFilterable {
        /// The path as written.
        path: String,
        /// The field's type.
        field_type: String,
    },
    /// The operator does not apply to the field's type.
    #[error("`{operator}` does not apply to `{path}`: {reason}")]
    OperatorDoesNotFit {
        /// The path as written.
        path: String,
        /// The operator as written in the expression form (`>=`, `~`, `has`).
        operator: String,
        /// What applies instead.
        reason: String,
    },
    /// A value does not parse for the field's type.
    #[error("{value} does not fit `{path}` ({field_type}): {reason}")]
    ValueDoesNotFit {
        /// The path as written.
        path: String,
        /// The field's type.
        field_type: String,
        /// The value as written in the expression form.
        value: String,
        /// What the field takes.
        reason: String,
    },
    /// A text value holds a NUL character, which no stored text can hold.
    #[error("a value for `{path}` holds a NUL character, which text cannot hold")]
    NulCharacter {
        /// The path as written.
        path: String,
    },
}

/// Checks every condition of `filter` against `table` (and, for relationship paths, the tables
/// they reach in `schema`).
///
/// `@now` fits date and datetime fields (on a date field it stands for today's date in UTC);
/// `@user.id` fits integer fields, `id` and relationships; `@user.roles` fits text and
/// single-select fields; a single-select or multi-select value must be one of its options.
///
/// # Errors
///
/// The first [`FilterMismatch`] found, in the order the conditions are written.
///
/// # Examples
///
/// ```
/// use omnera_core::Config;
/// use omnera_core::query::{FilterMismatch, check_filter_fits, parse_filter};
///
/// let schema = Config::from_json_str(r#"{"name": "Library", "tables": [{"id": 1, "name": "books",
///     "fields": [{"id": 1, "name": "pages", "type": "integer"},
///                {"id": 2, "name": "published", "type": "date"}]}]}"#)?
///     .validate()
///     .unwrap();
/// let books = schema.table("books").unwrap();
/// let fits = |text: &str| check_filter_fits(&schema, books, &parse_filter(text).unwrap());
/// assert_eq!(fits("pages >= 100 && published < @now"), Ok(()));
/// assert!(matches!(fits("pages > @now"), Err(FilterMismatch::ValueDoesNotFit { .. })));
/// assert!(matches!(fits("pages ~ 3"), Err(FilterMismatch::OperatorDoesNotFit { .. })));
/// assert_eq!(fits("title = 'x'").unwrap_err().to_string(), "table books has no field `title`");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_filter_fits(
    schema: &Schema,
    table: &TableSchema,
    filter: &FilterExpr,
) -> Result<(), FilterMismatch> {
    filter.conditions().try_for_each(|condition| check_condition(schema, table, condition))
}

/// What a path leads to, as far as filters care.
#[derive(Debug, Clone, Copy)]
enum Target<'s> {
    /// The system field `id`.
    RecordId,
    /// `created_at` or `updated_at`.
    Timestamp,
    /// A field kept in a column of its table.
    Column(&'s FieldKind),
    /// A many-to-many relationship, kept in a link table.
    Links,
}

impl Target<'_> {
    fn type_name(self) -> String {
        match self {
            Target::RecordId => "record id".to_owned(),
            Target::Timestamp => "datetime".to_owned(),
            Target::Column(kind) => kind.field_type().to_string(),
            Target::Links => "many-to-many relationship".to_owned(),
        }
    }

    /// Whether the field holds text that the text operators and `@user.roles` apply to.
    fn is_text(self) -> bool {
        matches!(
            self,
            Target::Column(
                FieldKind::SingleLineText { .. }
                    | FieldKind::LongText { .. }
                    | FieldKind::Email
                    | FieldKind::Url
                    | FieldKind::PhoneNumber
                    | FieldKind::SingleSelect { .. }
            )
        )
    }
}

fn resolve<'s>(
    schema: &'s Schema,
    table: &'s TableSchema,
    segments: &[String],
) -> Result<Target<'s>, FilterMismatch> {
    let mut current = table;
    for (position, segment) in segments.iter().enumerate() {
        let last = position + 1 == segments.len();
        match segment.as_str() {
            "id" if last => return Ok(Target::RecordId),
            "created_at" | "updated_at" if last => return Ok(Target::Timestamp),
            _ => {}
        }
        let field = current.field(segment).ok_or_else(|| FilterMismatch::UnknownField {
            table: current.name().to_owned(),
            field: segment.clone(),
        })?;
        let relationship = match field.kind() {
            FieldKind::Relationship(options) => Some(options),
            _ => None,
        };
        let many = relationship.is_some_and(|options| options.relation_type == RelationType::ManyToMany);
        if last {
            return Ok(if many { Target::Links } else { Target::Column(field.kind()) });
        }
        current = match relationship.filter(|_| !many) {
            Some(options) => schema.table(&options.related_table).ok_or_else(|| {
                FilterMismatch::UnknownField { table: options.related_table.clone(), field: segment.clone() }
            })?,
            None => return Err(FilterMismatch::NotAPath { field: segment.clone() }),
        };
    }
    Err(FilterMismatch::UnknownField { table: table.name().to_owned(), field: String::new() })
}

fn check_condition(
    schema: &Schema,
    table: &TableSchema,
    condition: &Condition,
) -> Result<(), FilterMismatch> {
    let path = condition.path.to_string();
    let target = resolve(schema, table, condition.path.segments())?;
    if let Target::Column(kind) = target
        && kind.is_attachment()
    {
        return Err(FilterMismatch::NotFilterable { path, field_type: kind.field_type().to_string() });
    }
    let refuse = |operator: &str, reason: &str| FilterMismatch::OperatorDoesNotFit {
        path: path.clone(),
        operator: operator.to_owned(),
        reason: reason.to_owned(),
    };
    let multi_select = matches!(target, Target::Column(FieldKind::MultiSelect { .. }));
    match &condition.predicate {
        Predicate::IsNull { .. } => Ok(()),
        Predicate::Has(value) => match target {
            Target::Links => record_id_fits(&path, target, value),
            Target::Column(FieldKind::MultiSelect { options, .. }) => {
                option_fits(&path, target, options, value)
            }
            _ => Err(refuse("has", "`has` applies to multi-select and many-to-many fields")),
        },
        _ if matches!(target, Target::Links) => {
            Err(refuse(operator_of(&condition.predicate), "it links records: use `has` or `is null`"))
        }
        _ if multi_select => {
            Err(refuse(operator_of(&condition.predicate), "it holds several values: use `has` or `is null`"))
        }
        Predicate::In { list: FilterList::UserRoles, .. } => {
            if target.is_text() {
                Ok(())
            } else {
                Err(value_error(&path, target, "@user.roles", "@user.roles is a list of role names"))
            }
        }
        Predicate::In { list: FilterList::Values(values), .. } => {
            values.iter().try_for_each(|value| value_fits(&path, target, value))
        }
        Predicate::Compare { op, value } => {
            let text_operator = matches!(
                op,
                CompareOp::Contains | CompareOp::NotContains | CompareOp::StartsWith | CompareOp::EndsWith
            );
            if text_operator {
                if !target.is_text() {
                    return Err(refuse(
                        op.symbol(),
                        "the text operators apply to text and single-select fields",
                    ));
                }
                return match text_of(&path, value)? {
                    Some(_) => Ok(()),
                    None => Err(value_error(&path, target, &value.to_string(), "a text operator takes text")),
                };
            }
            let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
            if ordering && matches!(target, Target::Column(FieldKind::Checkbox)) {
                return Err(refuse(op.symbol(), "a checkbox is true or false: compare it with = or !="));
            }
            value_fits(&path, target, value)
        }
    }
}

/// The operator of a predicate other than `is null` and `has`, as the expression form writes it.
fn operator_of(predicate: &Predicate) -> &'static str {
    match predicate {
        Predicate::Compare { op, .. } => op.symbol(),
        Predicate::In { negated: false, .. } => "in",
        Predicate::In { negated: true, .. } => "not in",
        Predicate::Has(_) => "has",
        Predicate::IsNull { .. } => "is null",
    }
}

fn value_error(path: &str, target: Target<'_>, value: &str, reason: &str) -> FilterMismatch {
    FilterMismatch::ValueDoesNotFit {
        path: path.to_owned(),
        field_type: target.type_name(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The text of a string or number value; refuses NUL characters.
fn text_of<'v>(path: &str, value: &'v FilterValue) -> Result<Option<&'v str>, FilterMismatch> {
    match value {
        FilterValue::String(text) if text.contains('\0') => {
            Err(FilterMismatch::NulCharacter { path: path.to_owned() })
        }
        FilterValue::String(text) => Ok(Some(text)),
        FilterValue::Number(number) => Ok(Some(number.as_str())),
        _ => Ok(None),
    }
}

fn record_id_fits(path: &str, target: Target<'_>, value: &FilterValue) -> Result<(), FilterMismatch> {
    let fits = match value {
        FilterValue::UserId => true,
        other => text_of(path, other)?.is_some_and(|text| text.parse::<i64>().is_ok()),
    };
    if fits { Ok(()) } else { Err(value_error(path, target, &value.to_string(), "it takes a record id")) }
}

fn option_fits(
    path: &str,
    target: Target<'_>,
    options: &[String],
    value: &FilterValue,
) -> Result<(), FilterMismatch> {
    match text_of(path, value)? {
        Some(text) if options.iter().any(|option| option == text) => Ok(()),
        _ => Err(value_error(
            path,
            target,
            &value.to_string(),
            &format!("it is one of the options {}", options.join(", ")),
        )),
    }
}

/// Whether one value of `=`, `!=`, `<`, `in`.. parses for the field.
fn value_fits(path: &str, target: Target<'_>, value: &FilterValue) -> Result<(), FilterMismatch> {
    let unfit = |reason: &str| Err(value_error(path, target, &value.to_string(), reason));
    match value {
        FilterValue::UserId => {
            return match target {
                Target::RecordId | Target::Column(FieldKind::Integer(_) | FieldKind::Relationship(_)) => {
                    Ok(())
                }
                _ => unfit("@user.id is a user id; it fits integer, id and relationship fields"),
            };
        }
        FilterValue::Now => {
            return match target {
                Target::Timestamp | Target::Column(FieldKind::Date { .. } | FieldKind::DateTime { .. }) => {
                    Ok(())
                }
                _ => unfit("@now is the current moment; it fits date and datetime fields"),
            };
        }
        FilterValue::Bool(_) => {
            return match target {
                Target::Column(FieldKind::Checkbox) => Ok(()),
                _ => unfit("true and false fit checkbox fields"),
            };
        }
        FilterValue::String(_) | FilterValue::Number(_) => {}
    }
    let Some(text) = text_of(path, value)? else { return unfit("not a value") };
    let as_json = || serde_json::Value::String(text.to_owned());
    match target {
        Target::Links => unfit("it links records: use `has`"),
        Target::RecordId | Target::Column(FieldKind::Integer(_) | FieldKind::Relationship(_)) => {
            if text.parse::<i64>().is_ok() { Ok(()) } else { unfit("not a whole number") }
        }
        Target::Timestamp => {
            match (FieldKind::DateTime { format: None, timezone: chrono_tz::UTC }).normalize(&as_json()) {
                Ok(_) => Ok(()),
                Err(problem) => unfit(&problem.message),
            }
        }
        Target::Column(kind) => match kind {
            FieldKind::Decimal(_) | FieldKind::Currency(_) | FieldKind::Percentage(_) => {
                let parses = Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text)).is_ok();
                if parses { Ok(()) } else { unfit("not a number") }
            }
            FieldKind::Checkbox => match text {
                "true" | "false" => Ok(()),
                _ => unfit("a checkbox is true or false"),
            },
            FieldKind::SingleSelect { options } => option_fits(path, target, options, value),
            FieldKind::Date { .. } | FieldKind::DateTime { .. } | FieldKind::Time { .. } => {
                match kind.normalize(&as_json()) {
                    Ok(_) => Ok(()),
                    Err(problem) => unfit(&problem.message),
                }
            }
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests;
