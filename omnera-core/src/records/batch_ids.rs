//! A batch names each record it updates or deletes once: a repeat would make the outcome depend
//! on the order of the writes (and made the second delete of an id a 404).

use std::collections::HashSet;

use crate::record::FieldProblem;

/// A problem for every id of `update` and `delete` that an earlier item of either list already
/// names, located as `update[1].id` or `delete[1]`.
pub(super) fn repeated_ids(update: &[i64], delete: &[i64]) -> Vec<FieldProblem> {
    let mut seen = HashSet::new();
    let updates = update.iter().enumerate().map(|(index, id)| (format!("update[{index}].id"), *id));
    let deletes = delete.iter().enumerate().map(|(index, id)| (format!("delete[{index}]"), *id));
    updates
        .chain(deletes)
        .filter(|(_, id)| !seen.insert(*id))
        .map(|(place, id)| FieldProblem {
            field: place,
            code: "duplicate_id",
            message: format!("record {id} is named earlier in this batch"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_repeat_is_named_by_its_place() {
        assert!(repeated_ids(&[1, 2], &[3]).is_empty());
        let places = |update: &[i64], delete: &[i64]| -> Vec<String> {
            repeated_ids(update, delete).into_iter().map(|problem| problem.field).collect()
        };
        assert_eq!(places(&[], &[3, 3]), ["delete[1]"]);
        assert_eq!(places(&[4, 5, 4], &[5]), ["update[2].id", "delete[0]"]);
    }
}
