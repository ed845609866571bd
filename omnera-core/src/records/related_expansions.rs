//! `expand` embeds only related records the caller may read.
//!
//! A relationship into a table the caller may not read at all, at any level of a path, is a 400
//! naming `expand`, checked before anything is read. Once the page is read, an embedded record
//! outside the `where` of every read permission the caller has on its table is taken out again:
//! a to-one field then shows its plain id, as it would without `expand`, and a many-to-many
//! field's list leaves the record out. Nothing below a record taken out is shown either. Which
//! embedded records are readable is asked once per table of a page, whatever the depth.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::{ListQuery, PageRequest, PolicyDecision, Record};
use crate::config::{PermissionAction, RelationType};
use crate::query::FilterExpr;
use crate::{Schema, TableSchema};

use super::RecordsError;
use super::id_filters::id_among;
use super::related_filters::relationship_target;
use super::service::Records;

/// The most ids asked about in one query.
const IDS_PER_QUERY: usize = 1000;

impl Records {
    /// Refuses `expand` paths of `table` that pass through a table the caller may not read.
    pub(crate) fn check_expandable(&self, table: &TableSchema, paths: &[String]) -> Result<(), RecordsError> {
        let schema = self.app.schema();
        for path in paths {
            let mut current = table;
            // A segment that is not a relationship is left for the storage to refuse.
            for segment in path.split('.') {
                let Some((target, _)) = relationship_target(schema, current, segment) else { break };
                if self.may(target.name(), PermissionAction::Read) {
                    current = target;
                    continue;
                }
                return Err(RecordsError::InvalidQuery {
                    parameter: "expand".to_owned(),
                    reason: format!(
                        "you may not read table {}, so `{path}` cannot be expanded",
                        target.name()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Takes out of `records` (of `table`) every embedded record the caller may not read.
    pub(crate) async fn drop_unreadable(
        &self,
        table: &TableSchema,
        records: &mut [Record],
    ) -> Result<(), RecordsError> {
        let schema = self.app.schema();
        let mut embedded = BTreeMap::new();
        collect_embedded(schema, table, records, &mut embedded);
        let mut readable = BTreeMap::new();
        for (table_name, ids) in embedded {
            let rows = match self.decide(table_name, PermissionAction::Read) {
                PolicyDecision::AllowAll => continue,
                PolicyDecision::AllowWhere(filters) => {
                    self.readable_ids(table_name, ids, FilterExpr::or(filters)).await?
                }
                _ => BTreeSet::new(),
            };
            readable.insert(table_name, rows);
        }
        if !readable.is_empty() {
            keep_readable(schema, table, records, &readable);
        }
        Ok(())
    }

    /// Which of `ids` in `table` the caller may read, `allowed` being their read filters there.
    async fn readable_ids(
        &self,
        table: &str,
        ids: BTreeSet<i64>,
        allowed: FilterExpr,
    ) -> Result<BTreeSet<i64>, RecordsError> {
        let ids: Vec<i64> = ids.into_iter().collect();
        let mut readable = BTreeSet::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let query = ListQuery::default()
                .filtered(FilterExpr::and([id_among(chunk.iter().copied()), allowed.clone()]))
                .selecting(vec!["id".to_owned()])
                .paged(PageRequest::Offset { page: 1, limit: IDS_PER_QUERY as u64 })
                .without_total()
                .as_caller(self.caller.clone());
            let page = self.storage()?.list(table, &query).await?;
            readable.extend(page.records.iter().map(|record| record.id));
        }
        Ok(readable)
    }
}

/// The ids of every embedded record, at any depth, by table.
fn collect_embedded<'s>(
    schema: &'s Schema,
    table: &TableSchema,
    records: &[Record],
    embedded: &mut BTreeMap<&'s str, BTreeSet<i64>>,
) {
    for record in records {
        for (field, related) in &record.expanded {
            let Some((target, _)) = relationship_target(schema, table, field) else { continue };
            embedded.entry(target.name()).or_default().extend(related.iter().map(|record| record.id));
            collect_embedded(schema, target, related, embedded);
        }
    }
}

/// Takes out the embedded records not in `readable` (by table; a table not named: every record).
fn keep_readable(
    schema: &Schema,
    table: &TableSchema,
    records: &mut [Record],
    readable: &BTreeMap<&str, BTreeSet<i64>>,
) {
    for record in records {
        let mut shown_as_ids = Vec::new();
        for (field, related) in &mut record.expanded {
            let Some((target, relation)) = relationship_target(schema, table, field) else { continue };
            if let Some(ids) = readable.get(target.name()) {
                related.retain(|record| ids.contains(&record.id));
            }
            keep_readable(schema, target, related, readable);
            if relation != RelationType::ManyToMany && related.is_empty() {
                shown_as_ids.push(field.clone());
            }
        }
        for field in shown_as_ids {
            record.expanded.remove(&field);
        }
    }
}
