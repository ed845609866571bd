//! A caller's own filter through relationships (`top_review.title ^~ 'a'`) sees only the related
//! rows the caller may read, so that nobody can guess a hidden value one prefix at a time.
//!
//! Every condition whose path follows a relationship into another table is checked hop by hop:
//! - a table the caller may not read at all is a 400 naming `filter`;
//! - a table they read through row filters (permission `where`s) adds a guard: the related row
//!   is there and matches those filters, re-rooted at the path (`owner = @user.id` on `reviews`,
//!   reached through `top_review`, becomes `top_review.owner = @user.id`);
//! - a table they may read whole adds nothing.
//!
//! A guarded condition holds for a readable related row exactly as before; for a hidden one (or
//! none) it is decided as for an empty row: `is null`, `!=`, `!~` and `not in` hold, every other
//! test does not. The answer then depends only on the filter as written, never on the hidden
//! row. Guards are never unknown (SQL NULL), so a caller's `!` around a condition cannot turn an
//! unknown into a known answer about a hidden row either. The permission filters themselves are
//! the config's: they are trusted and never guarded.

use std::convert::Infallible;

use crate::backend::PolicyDecision;
use crate::config::{PermissionAction, RelationType};
use crate::query::{CompareOp, Condition, FieldPath, FilterExpr, Predicate};
use crate::{FieldKind, Schema, TableSchema};

use super::RecordsError;
use super::service::Records;

/// The related table a relationship field of `table` leads to, and how many records it links.
pub(crate) fn relationship_target<'s>(
    schema: &'s Schema,
    table: &TableSchema,
    field: &str,
) -> Option<(&'s TableSchema, RelationType)> {
    match table.field(field)?.kind() {
        FieldKind::Relationship(options) => {
            Some((schema.table(&options.related_table)?, options.relation_type))
        }
        _ => None,
    }
}

impl Records {
    /// `filter`, written by the caller on `table`, with every condition through a relationship
    /// limited to the related rows the caller may read.
    pub(crate) fn guarded(
        &self,
        table: &TableSchema,
        filter: FilterExpr,
    ) -> Result<FilterExpr, RecordsError> {
        map_conditions(filter, &mut |condition| self.guarded_condition(table, condition))
    }

    fn guarded_condition(
        &self,
        table: &TableSchema,
        condition: Condition,
    ) -> Result<FilterExpr, RecordsError> {
        let schema = self.app.schema();
        let segments = condition.path.segments();
        let mut guards = Vec::new();
        let mut current = table;
        for (position, segment) in segments.iter().enumerate().take(segments.len().saturating_sub(1)) {
            // A path that leads nowhere is left for the storage to refuse with its own 400.
            let Some((target, relation)) = relationship_target(schema, current, segment) else { break };
            if relation == RelationType::ManyToMany {
                break;
            }
            match self.decide(target.name(), PermissionAction::Read) {
                PolicyDecision::AllowAll => {}
                PolicyDecision::AllowWhere(filters) => {
                    guards.push(visible_row(schema, target, &segments[..=position], FilterExpr::or(filters)));
                }
                _ => {
                    return Err(RecordsError::InvalidQuery {
                        parameter: "filter".to_owned(),
                        reason: format!(
                            "you may not read table {}, so `{}` cannot be filtered on",
                            target.name(),
                            condition.path
                        ),
                    });
                }
            }
            current = target;
        }
        if guards.is_empty() {
            return Ok(FilterExpr::Condition(condition));
        }
        let visible = FilterExpr::and(guards);
        Ok(if holds_for_an_empty_row(&condition.predicate) {
            FilterExpr::or([FilterExpr::Not(Box::new(visible)), FilterExpr::Condition(condition)])
        } else {
            FilterExpr::and([visible, FilterExpr::Condition(condition)])
        })
    }
}

/// Whether the related row reached through `prefix` is there and among `allowed` (the read
/// filters of its table `target`); never unknown.
fn visible_row(schema: &Schema, target: &TableSchema, prefix: &[String], allowed: FilterExpr) -> FilterExpr {
    // Both paths join segments that are names already: the relationship fields walked, and a
    // checked permission filter's paths.
    let id = FieldPath::from_checked(prefix.iter().cloned().chain(["id".to_owned()]).collect());
    let present =
        FilterExpr::Condition(Condition { path: id, predicate: Predicate::IsNull { negated: true } });
    let rerooted = map_conditions(holds(schema, target, allowed, true), &mut |condition| {
        let path = FieldPath::from_checked(prefix.iter().chain(condition.path.segments()).cloned().collect());
        Ok::<_, Infallible>(FilterExpr::Condition(Condition { path, predicate: condition.predicate }))
    });
    let Ok(allowed) = rerooted;
    FilterExpr::and([present, allowed])
}

/// What a condition gives on a related row that is empty (or hidden, or missing).
fn holds_for_an_empty_row(predicate: &Predicate) -> bool {
    matches!(
        predicate,
        Predicate::IsNull { negated: false }
            | Predicate::In { negated: true, .. }
            | Predicate::Compare { op: CompareOp::Ne | CompareOp::NotContains, .. }
    )
}

/// `filter` rebuilt with each condition replaced by what `replace` makes of it.
fn map_conditions<E>(
    filter: FilterExpr,
    replace: &mut impl FnMut(Condition) -> Result<FilterExpr, E>,
) -> Result<FilterExpr, E> {
    Ok(match filter {
        FilterExpr::And(children) => FilterExpr::and(
            children
                .into_iter()
                .map(|child| map_conditions(child, replace))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        FilterExpr::Or(children) => FilterExpr::or(
            children
                .into_iter()
                .map(|child| map_conditions(child, replace))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        FilterExpr::Not(inner) => FilterExpr::Not(Box::new(map_conditions(*inner, replace)?)),
        FilterExpr::Condition(condition) => replace(condition)?,
    })
}

/// Holds exactly where `filter` (on `table`) is `truth`, and is never unknown. SQL answers a test
/// on an empty value with "unknown", and `NOT unknown` is unknown too, so a guard built from the
/// permission filters is rewritten into one that is plainly true or false.
fn holds(schema: &Schema, table: &TableSchema, filter: FilterExpr, truth: bool) -> FilterExpr {
    // An AND is false where any part is false, and an OR where every part is.
    let each =
        |children: Vec<FilterExpr>| children.into_iter().map(move |child| holds(schema, table, child, truth));
    match filter {
        FilterExpr::And(children) if truth => FilterExpr::and(each(children)),
        FilterExpr::And(children) => FilterExpr::or(each(children)),
        FilterExpr::Or(children) if truth => FilterExpr::or(each(children)),
        FilterExpr::Or(children) => FilterExpr::and(each(children)),
        FilterExpr::Not(inner) => holds(schema, table, *inner, !truth),
        FilterExpr::Condition(condition) => {
            let never_unknown = never_unknown(schema, table, &condition);
            let has_value = has_value(&condition.path);
            let tested = FilterExpr::Condition(condition);
            let tested = if truth { tested } else { FilterExpr::Not(Box::new(tested)) };
            // An empty multi-select counts as not known to lack the value: narrower, never wider.
            if never_unknown { tested } else { FilterExpr::and([tested, has_value]) }
        }
    }
}

/// `path is not null`.
fn has_value(path: &FieldPath) -> FilterExpr {
    FilterExpr::Condition(Condition { path: path.clone(), predicate: Predicate::IsNull { negated: true } })
}

/// Whether the SQL of `condition` is true or false even on empty values: `is null`, and the tests
/// that count an empty value as a match (`!=`, `!~`, `not in`), and `has` on a many-to-many field
/// (a test for a link).
fn never_unknown(schema: &Schema, table: &TableSchema, condition: &Condition) -> bool {
    match &condition.predicate {
        Predicate::IsNull { .. }
        | Predicate::In { negated: true, .. }
        | Predicate::Compare { op: CompareOp::Ne | CompareOp::NotContains, .. } => true,
        Predicate::Has(_) => links_many(schema, table, condition.path.segments()),
        _ => false,
    }
}

/// Whether `path` (from `table`) ends at a many-to-many relationship.
fn links_many(schema: &Schema, table: &TableSchema, path: &[String]) -> bool {
    let mut current = table;
    for (position, segment) in path.iter().enumerate() {
        let Some((target, relation)) = relationship_target(schema, current, segment) else { return false };
        if position + 1 == path.len() {
            return relation == RelationType::ManyToMany;
        }
        current = target;
    }
    false
}
