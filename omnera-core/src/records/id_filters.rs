//! Filters on record ids, built as filter ASTs (never as text to parse again).

use crate::query::{Condition, FieldPath, FilterExpr, FilterList, FilterNumber, FilterValue, Predicate};

/// The path `id`.
fn id_path() -> FieldPath {
    FieldPath::from_checked(vec!["id".to_owned()])
}

/// `id = id`.
pub(crate) fn id_is(id: i64) -> FilterExpr {
    id_among([id])
}

/// `id in (ids)`.
pub(crate) fn id_among(ids: impl IntoIterator<Item = i64>) -> FilterExpr {
    let list = ids.into_iter().map(|id| FilterValue::Number(FilterNumber::from(id))).collect();
    FilterExpr::Condition(Condition {
        path: id_path(),
        predicate: Predicate::In { negated: false, list: FilterList::Values(list) },
    })
}
