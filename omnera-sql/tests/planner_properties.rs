//! The planner, property-tested: for random schema pairs (a, b), applying b on a database at a
//! leaves it exactly at b (planning b again is empty), records of tables that survive are kept,
//! and every table of b takes new records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnera_core::backend::{ApplyOptions, ListQuery, Storage, StorageError, WriteOptions};
use omnera_core::record::DraftMode;
use omnera_core::{Config, Schema};
use omnera_sql::SqlStorage;
use proptest::prelude::*;
use serde_json::{Value, json};

/// A field as the generator sees it.
#[derive(Debug, Clone)]
struct FieldSpec {
    id: u64,
    name: String,
    kind: u8,
    required: bool,
    unique: bool,
    indexed: bool,
}

#[derive(Debug, Clone)]
struct TableSpec {
    id: u64,
    name: String,
    fields: Vec<FieldSpec>,
}

/// Kinds 0..=6: text, integer, decimal, checkbox, date, multi-select, relationship to table 1.
fn field_json(field: &FieldSpec, related: &str) -> Value {
    let mut object = json!({"id": field.id, "name": field.name});
    let options = match field.kind {
        0 => json!({"type": "single-line-text"}),
        1 => json!({"type": "integer"}),
        2 => json!({"type": "decimal", "precision": 2}),
        3 => json!({"type": "checkbox"}),
        4 => json!({"type": "date"}),
        5 => json!({"type": "multi-select", "options": ["a", "b"]}),
        _ => json!({"type": "relationship", "relatedTable": related, "onDelete": "set-null"}),
    };
    object.as_object_mut().unwrap().extend(options.as_object().unwrap().clone());
    let plain = matches!(field.kind, 0 | 1 | 2 | 4);
    if field.required && plain {
        object["required"] = json!(true);
    }
    if field.unique && plain {
        object["unique"] = json!(true);
    }
    if field.indexed && field.kind != 5 {
        object["indexed"] = json!(true);
    }
    object
}

fn schema_of(tables: &[TableSpec]) -> Option<Schema> {
    let related = tables.first().map_or("t1", |table| table.name.as_str());
    let tables: Vec<Value> = tables
        .iter()
        .map(|table| json!({"id": table.id, "name": table.name, "fields": table.fields.iter().map(|field| field_json(field, related)).collect::<Vec<_>>()}))
        .collect();
    Config::from_json_str(&json!({"name": "Prop", "tables": tables}).to_string()).ok()?.validate().ok()
}

fn field_strategy(id: u64) -> impl Strategy<Value = FieldSpec> {
    (0u8..7, any::<bool>(), any::<bool>(), any::<bool>(), 0u8..3).prop_map(
        move |(kind, required, unique, indexed, name)| FieldSpec {
            id,
            name: format!("f{id}_{name}"),
            kind,
            required,
            unique,
            indexed,
        },
    )
}

fn table_strategy(id: u64) -> impl Strategy<Value = TableSpec> {
    (1usize..5, 0u8..2).prop_flat_map(move |(count, name)| {
        let fields: Vec<_> = (1..=count as u64).map(field_strategy).collect();
        (fields, Just(name)).prop_map(move |(fields, name)| TableSpec {
            id,
            name: format!("t{id}_{name}"),
            fields,
        })
    })
}

fn schema_strategy() -> impl Strategy<Value = Vec<TableSpec>> {
    (1usize..4).prop_flat_map(|count| (1..=count as u64).map(table_strategy).collect::<Vec<_>>())
}

/// A random edit of a schema: renames, drops, additions, flag changes, widening.
#[derive(Debug, Clone)]
enum Edit {
    RenameTable(usize),
    RenameField(usize, usize),
    DropField(usize, usize),
    AddField(usize, FieldSpec),
    Toggle(usize, usize, u8),
    Widen(usize, usize),
    AddTable(TableSpec),
    DropLastTable,
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0usize..4).prop_map(Edit::RenameTable),
        (0usize..4, 0usize..5).prop_map(|(table, field)| Edit::RenameField(table, field)),
        (0usize..4, 0usize..5).prop_map(|(table, field)| Edit::DropField(table, field)),
        (0usize..4, field_strategy(40)).prop_map(|(table, field)| Edit::AddField(table, field)),
        (0usize..4, 0usize..5, 0u8..3).prop_map(|(table, field, flag)| Edit::Toggle(table, field, flag)),
        (0usize..4, 0usize..5).prop_map(|(table, field)| Edit::Widen(table, field)),
        table_strategy(9).prop_map(Edit::AddTable),
        Just(Edit::DropLastTable),
    ]
}

fn apply_edit(tables: &mut Vec<TableSpec>, edit: &Edit) {
    let count = tables.len();
    match edit {
        Edit::RenameTable(table) => tables[table % count].name.push_str("_r"),
        Edit::RenameField(table, field) => {
            let fields = &mut tables[table % count].fields;
            let count = fields.len();
            fields[field % count].name.push_str("_r");
        }
        Edit::DropField(table, field) => {
            let fields = &mut tables[table % count].fields;
            if fields.len() > 1 {
                let count = fields.len();
                fields.remove(field % count);
            }
        }
        Edit::AddField(table, field) => {
            let fields = &mut tables[table % count].fields;
            if !fields.iter().any(|existing| existing.id == field.id) {
                fields.push(field.clone());
            }
        }
        Edit::Toggle(table, field, flag) => {
            let fields = &mut tables[table % count].fields;
            let count = fields.len();
            let field = &mut fields[field % count];
            match flag {
                0 => field.required = !field.required,
                1 => field.unique = !field.unique,
                _ => field.indexed = !field.indexed,
            }
        }
        Edit::Widen(table, field) => {
            let fields = &mut tables[table % count].fields;
            let count = fields.len();
            if fields[field % count].kind == 1 {
                fields[field % count].kind = 2;
            }
        }
        Edit::AddTable(table) => {
            if !tables.iter().any(|existing| existing.id == table.id) {
                tables.push(table.clone());
            }
        }
        Edit::DropLastTable => {
            if tables.len() > 1 {
                tables.pop();
            }
        }
    }
}

/// A record for `table` with a value for every required field, unique per `serial`.
fn sample_record(schema: &Schema, table: &str, serial: i64) -> Value {
    let mut record = serde_json::Map::new();
    for field in schema.table(table).unwrap().fields() {
        let value = match field.field_type().as_str() {
            "single-line-text" => json!(format!("v{serial}")),
            "integer" => json!(serial),
            "decimal" => json!(format!("{serial}.25")),
            "date" => json!(format!("2024-01-{:02}", serial % 28 + 1)),
            _ => continue,
        };
        record.insert(field.name().to_owned(), value);
    }
    Value::Object(record)
}

async fn check_pair(
    url: &str,
    fresh_url: &str,
    before: Vec<TableSpec>,
    edits: Vec<Edit>,
) -> Result<(), TestCaseError> {
    let Some(a) = schema_of(&before) else { return Ok(()) };
    let mut after = before.clone();
    for edit in &edits {
        apply_edit(&mut after, edit);
    }
    let Some(b) = schema_of(&after) else { return Ok(()) };
    let storage = SqlStorage::connect(url).await.unwrap();
    storage.apply_schema(&a, &ApplyOptions::default()).await.unwrap();
    for table in a.tables() {
        for serial in 1..=3 {
            let draft = sample_record(&a, table.name(), serial);
            let values = table.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap();
            storage.insert(table.name(), vec![values], &WriteOptions::default()).await.unwrap();
        }
    }
    let allowed = ApplyOptions::allowing_data_loss();
    match storage.apply_schema(&b, &allowed).await {
        Ok(_) => {}
        // Making a field required over records that lack it is refused; nothing changes then.
        Err(StorageError::DataLossRefused { .. }) => {
            prop_assert!(
                storage.plan_schema(&a).await.unwrap().is_empty(),
                "a refused change left the database changed"
            );
            return Ok(());
        }
        Err(error) => {
            return Err(TestCaseError::fail(format!("applying b failed: {error}\nedits: {edits:?}")));
        }
    }
    let again = storage.plan_schema(&b).await.unwrap();
    prop_assert!(
        again.is_empty(),
        "after applying b, planning b again gives {:?}\nedits: {edits:?}",
        again.steps
    );
    let direct = SqlStorage::connect(fresh_url).await.unwrap();
    direct.apply_schema(&b, &ApplyOptions::default()).await.unwrap();
    let migrated = storage.describe_structure().await.unwrap();
    let expected = direct.describe_structure().await.unwrap();
    prop_assert!(
        migrated == expected,
        "a migrated to b differs from b applied directly\nedits: {edits:?}\nmigrated:\n{migrated}\nexpected:\n{expected}"
    );
    for table in b.tables() {
        let kept = before.iter().any(|old| old.id == table.id());
        let total = storage.list(table.name(), &ListQuery::default()).await.unwrap().total;
        if kept {
            prop_assert_eq!(total, Some(3), "records of {} were lost", table.name());
        }
        let draft = sample_record(&b, table.name(), 100);
        let values = table.check_draft(draft.as_object().unwrap(), DraftMode::Create).unwrap();
        storage
            .insert(table.name(), vec![values], &WriteOptions::default())
            .await
            .map_err(|error| TestCaseError::fail(format!("{}: {error}", table.name())))?;
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_on_sqlite_reaches_the_new_schema(before in schema_strategy(), edits in prop::collection::vec(edit_strategy(), 1..5)) {
        runtime().block_on(check_pair("sqlite::memory:", "sqlite::memory:", before, edits))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_on_postgres_reaches_the_new_schema(before in schema_strategy(), edits in prop::collection::vec(edit_strategy(), 1..5)) {
        let Some(admin) = omnera_sql::testing::postgres_admin_url("the planner property test") else { return Ok(()) };
        runtime().block_on(async {
            let url = omnera_sql::testing::postgres_database(&admin).await;
            let fresh_url = omnera_sql::testing::postgres_database(&admin).await;
            let outcome = check_pair(&url, &fresh_url, before, edits).await;
            omnera_sql::testing::drop_postgres_databases(&admin).await;
            outcome
        })?;
    }
}
