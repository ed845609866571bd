//! Tables: ids, names, fields, indexes and unique constraints.

use super::context::CheckContext;
use super::names::{UniqueIn, check_id, check_identifier, is_system_field};
use super::{ConfigPath, IssueCode};
use crate::config::{RelationType, TableConfig};
use crate::fields::{FieldKind, check_field};
use crate::schema::{FieldSchema, TableSchema};

pub(crate) fn check_tables<'c>(cx: &mut CheckContext<'c>) -> Vec<TableSchema> {
    let config = cx.config;
    let mut ids = UniqueIn::new(IssueCode::DuplicateId, "table id");
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "table name");
    let tables_path = ConfigPath::root().key("tables");
    config
        .tables
        .iter()
        .map(|table| {
            let path = tables_path.item(&table.name);
            check_id(table.id, &path.key("id"), cx);
            ids.check(&table.id, &path.key("id"), cx);
            check_identifier(&table.name, "table", &path.key("name"), cx);
            names.check(&table.name, &path.key("name"), cx);
            check_table(table, &path, cx)
        })
        .collect()
}

fn check_table<'c>(table: &'c TableConfig, path: &ConfigPath, cx: &mut CheckContext<'c>) -> TableSchema {
    if table.fields.is_empty() {
        cx.report(path.key("fields"), IssueCode::TooFewItems, "a table needs at least one field".to_owned());
    }
    let mut ids = UniqueIn::new(IssueCode::DuplicateId, "field id");
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "field name");
    let fields = table
        .fields
        .iter()
        .map(|field| {
            let path = path.key("fields").item(&field.name);
            check_id(field.id, &path.key("id"), cx);
            ids.check(&field.id, &path.key("id"), cx);
            if is_system_field(&field.name) {
                let message = format!("`{}` is a system field of every record and cannot be declared", field.name);
                cx.report(path.key("name"), IssueCode::ReservedName, message);
            } else {
                check_identifier(&field.name, "field", &path.key("name"), cx);
            }
            names.check(&field.name, &path.key("name"), cx);
            let (kind, default) = check_field(field, &path, cx);
            let one_to_one = matches!(&kind, FieldKind::Relationship(options) if options.relation_type == RelationType::OneToOne);
            let relationship = matches!(kind, FieldKind::Relationship(_));
            FieldSchema {
                id: field.id.unsigned_abs(),
                name: field.name.clone(),
                required: field.required,
                unique: field.unique || one_to_one,
                indexed: field.indexed || relationship,
                description: field.description.clone(),
                kind,
                default,
            }
        })
        .collect::<Vec<_>>();
    let mut by_name: Vec<usize> = (0..fields.len()).collect();
    by_name.sort_by(|a, b| fields[*a].name.cmp(&fields[*b].name));
    let schema = TableSchema {
        id: table.id.unsigned_abs(),
        name: table.name.clone(),
        description: table.description.clone(),
        fields,
        by_name,
        indexes: table.indexes.clone(),
        unique_constraints: table.unique_constraints.clone(),
    };
    check_indexes(table, &schema, path, cx);
    schema
}

fn check_indexes<'c>(
    table: &'c TableConfig,
    schema: &TableSchema,
    path: &ConfigPath,
    cx: &mut CheckContext<'c>,
) {
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "index or constraint name");
    let indexes = table
        .indexes
        .iter()
        .map(|index| (path.key("indexes").item(&index.name), &index.name, &index.fields, 1));
    let constraints = table.unique_constraints.iter().map(|constraint| {
        (path.key("uniqueConstraints").item(&constraint.name), &constraint.name, &constraint.fields, 2)
    });
    for (path, name, fields, fewest) in indexes.chain(constraints) {
        check_identifier(name, "index", &path.key("name"), cx);
        names.check(name, &path.key("name"), cx);
        if fields.len() < fewest {
            let message = format!("needs at least {fewest} field{}", if fewest > 1 { "s" } else { "" });
            cx.report(path.key("fields"), IssueCode::TooFewItems, message);
        }
        let mut listed = UniqueIn::new(IssueCode::DuplicateValue, "field");
        for (position, field_name) in fields.iter().enumerate() {
            let field_path = path.key("fields").index(position);
            listed.check(field_name, &field_path, cx);
            if is_system_field(field_name) {
                continue;
            }
            let Some(field) = schema.field(field_name) else {
                cx.require_field(table, field_name, &field_path);
                continue;
            };
            if !field.is_column() {
                let message =
                    format!("`{field_name}` is a {} field, which has no column to index", field.field_type());
                cx.report(field_path, IssueCode::WrongKind, message);
            }
        }
    }
}
