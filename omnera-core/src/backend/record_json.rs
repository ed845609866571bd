//! Records and values written straight to JSON, as the API shows them: no `serde_json::Value`
//! tree is built on the way, which for a page of records cost more than reading it.

use std::cmp::Ordering;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::Record;
use super::file_json::{FileJson, FileLocation, FilesJson};
use crate::schema::FieldSchema;
use crate::{FieldKind, FieldValue, Schema, TableSchema};

/// A record as the API shows it: `id`, its fields in the order of the config (expanded
/// relationships as objects), then `created_at` and `updated_at`, as PocketBase orders them.
/// With `fields`, only `id`, the named fields (the timestamps only when named) and the expanded
/// ones, in that same order, whatever else storage read (such as the sort keys a cursor needs).
///
/// The order comes from the record's table; `schema` names the tables of expanded records.
///
/// Attachments are written with their metadata; their download URLs only with
/// [`Self::with_file_urls`], given the path the API is mounted under. An outbox document has
/// none: a URL names the table and field, which a rename changes.
///
/// ```
/// use chrono::Utc;
/// use omnera_core::{Config, FieldValue};
/// use omnera_core::backend::{Record, RecordJson};
///
/// let schema = Config::from_json_str(r#"{"name": "CRM", "tables": [{"id": 1, "name": "people", "fields": [
///     {"id": 1, "name": "name", "type": "single-line-text"}, {"id": 2, "name": "age", "type": "integer"}]}]}"#)
///     .unwrap().validate().unwrap();
/// let people = schema.table("people").unwrap();
/// let mut record = Record::new(7, Utc::now(), Utc::now(), 1);
/// record.values.insert("name".into(), FieldValue::Text("Ann".into()));
/// record.values.insert("age".into(), FieldValue::Integer(41));
/// let text = serde_json::to_string(&RecordJson::new(&schema, people, &record)).unwrap();
/// assert!(text.starts_with(r#"{"id":7,"name":"Ann","age":41,"created_at":"#));
///
/// let fields = ["age".to_owned()];
/// let json = serde_json::to_value(RecordJson::new(&schema, people, &record).with_fields(Some(&fields))).unwrap();
/// assert_eq!(json, serde_json::json!({"id": 7, "age": 41}));
/// ```
///
/// ```
/// use chrono::Utc;
/// use omnera_core::{Config, FieldValue, FileRef};
/// use omnera_core::backend::{NewFile, Record, RecordJson, StoredFile};
///
/// let schema = Config::from_json_str(r#"{"name": "CRM", "tables": [{"id": 1, "name": "people", "fields": [
///     {"id": 1, "name": "avatar", "type": "single-attachment"}]}]}"#)
///     .unwrap().validate().unwrap();
/// let people = schema.table("people").unwrap();
/// let file = StoredFile::new(3, "people".into(), "avatar".into(), 7, NewFile::new("blob-1", "me.png", 42, "image/png"));
/// let mut record = Record::new(7, Utc::now(), Utc::now(), 1);
/// record.values.insert("avatar".into(), FieldValue::File(Some(FileRef::from(file))));
///
/// let json = serde_json::to_value(RecordJson::new(&schema, people, &record).with_file_urls("/v1")).unwrap();
/// assert_eq!(json["avatar"]["url"], "/v1/api/tables/people/records/7/fields/avatar/files/3");
/// let json = serde_json::to_value(RecordJson::new(&schema, people, &record)).unwrap();
/// assert_eq!(json["avatar"]["name"], "me.png");
/// assert!(json["avatar"].get("url").is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RecordJson<'r> {
    schema: &'r Schema,
    table: &'r TableSchema,
    record: &'r Record,
    fields: Option<&'r [String]>,
    /// The path the API is mounted under, when file URLs are written.
    base_path: Option<&'r str>,
}

impl<'r> RecordJson<'r> {
    /// The whole record, a record of `table` (a table of `schema`).
    pub fn new(schema: &'r Schema, table: &'r TableSchema, record: &'r Record) -> Self {
        Self { schema, table, record, fields: None, base_path: None }
    }

    /// The same record, its files (and those of the records it embeds) with their download
    /// URLs under `base_path`: the path the API router is mounted under, empty at the root,
    /// `/v1` when a host nests it there.
    #[must_use]
    pub fn with_file_urls(mut self, base_path: &'r str) -> Self {
        self.base_path = Some(base_path);
        self
    }

    /// A record `self` embeds, written as `self` is.
    fn embedded(&self, table: &'r TableSchema, record: &'r Record) -> Self {
        Self { schema: self.schema, table, record, fields: None, base_path: self.base_path }
    }

    /// Where the files of `field` are served, when URLs are written.
    fn file_location(&self, field: &'r str) -> Option<FileLocation<'r>> {
        self.base_path.map(|base_path| FileLocation {
            base_path,
            table: self.table.name(),
            record_id: self.record.id,
            field,
        })
    }

    /// The same record, showing only `id`, the named fields and the expanded ones.
    #[must_use]
    pub fn with_fields(mut self, fields: Option<&'r [String]>) -> Self {
        self.fields = fields;
        self
    }

    fn shows(&self, name: &str) -> bool {
        self.fields.is_none_or(|fields| {
            name == "id"
                || fields.iter().any(|field| field == name)
                || self.record.expanded.contains_key(name)
        })
    }

    /// The table of the records `field` embeds.
    fn related_table(&self, field: &FieldSchema) -> Option<&'r TableSchema> {
        match field.kind() {
            FieldKind::Relationship(options) => self.schema.table(&options.related_table),
            _ => None,
        }
    }

    fn write_field<M: SerializeMap>(
        &self,
        map: &mut M,
        field: &'r FieldSchema,
        value: &FieldValue,
    ) -> Result<(), M::Error> {
        let name = field.name();
        let embedded = match self.record.expanded.get(name) {
            Some(related) => self.related_table(field).map(|table| (related, table)),
            None => None,
        };
        match (embedded, value) {
            (Some((related, table)), FieldValue::References(_)) => {
                map.serialize_entry(name, &Related { parent: self, table, records: related })
            }
            (Some((related, table)), _) => {
                map.serialize_entry(name, &related.first().map(|record| self.embedded(table, record)))
            }
            (None, FieldValue::File(file)) => map.serialize_entry(
                name,
                &file.as_ref().map(|file| FileJson { file, location: self.file_location(name) }),
            ),
            (None, FieldValue::Files(files)) => {
                map.serialize_entry(name, &FilesJson { files, location: self.file_location(name) })
            }
            (None, value) => map.serialize_entry(name, value),
        }
    }
}

impl Serialize for RecordJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.record;
        let fields = self.table.fields();
        // The values are kept by name, and `by_name` lists the fields by name: one walk through
        // both puts each value in its field's place, without a search per field.
        let mut places: Vec<Option<&FieldValue>> = vec![None; fields.len()];
        let mut undeclared = false;
        let mut by_name = self.table.by_name.iter().copied().peekable();
        for (name, value) in &record.values {
            loop {
                let Some(index) = by_name.peek().copied() else {
                    undeclared = true;
                    break;
                };
                match fields[index].name().cmp(name.as_str()) {
                    Ordering::Less => {
                        by_name.next();
                    }
                    Ordering::Equal => {
                        places[index] = Some(value);
                        by_name.next();
                        break;
                    }
                    Ordering::Greater => {
                        undeclared = true;
                        break;
                    }
                }
            }
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &record.id)?;
        for (field, value) in fields.iter().zip(places) {
            if let Some(value) = value
                && self.shows(field.name())
            {
                self.write_field(&mut map, field, value)?;
            }
        }
        if undeclared {
            // Values the table does not declare (none, for records its storage read): shown
            // after the declared ones, by name, rather than lost.
            for (name, value) in &record.values {
                if self.table.field(name).is_none() && self.shows(name) {
                    map.serialize_entry(name, value)?;
                }
            }
        }
        for (name, moment) in [("created_at", record.created_at), ("updated_at", record.updated_at)] {
            if self.shows(name) {
                map.serialize_entry(name, &FieldValue::DateTime(moment))?;
            }
        }
        map.end()
    }
}

/// Expanded records of a many-to-many field.
struct Related<'a, 'r> {
    parent: &'a RecordJson<'r>,
    table: &'r TableSchema,
    records: &'r [Record],
}

impl Serialize for Related<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.records.len()))?;
        for record in self.records {
            seq.serialize_element(&self.parent.embedded(self.table, record))?;
        }
        seq.end()
    }
}

impl Serialize for FieldValue {
    /// The value as the API writes it: dates in ISO form, decimals as JSON numbers.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null | Self::File(None) => serializer.serialize_none(),
            Self::Text(text) => serializer.serialize_str(text),
            Self::Integer(number) | Self::Reference(number) => serializer.serialize_i64(*number),
            // Every digit of the scale, as written (`12.50`, `9999999999999999.99`): a JSON
            // number through an f64 would drop the trailing zeros and blur past 15 digits.
            // (Into a `serde_json::Value` it still becomes an f64.)
            Self::Decimal(number) => match serde_json::value::RawValue::from_string(number.to_string()) {
                Ok(raw) => raw.serialize(serializer),
                Err(_) => serializer.collect_str(number),
            },
            Self::Bool(flag) => serializer.serialize_bool(*flag),
            // Display and to_rfc3339_opts write these ISO forms without parsing a format string.
            Self::Date(date) => serializer.collect_str(date),
            Self::DateTime(moment) => {
                serializer.serialize_str(&moment.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            }
            Self::Time(time) => serializer.collect_str(time),
            Self::Choices(choices) => choices.serialize(serializer),
            Self::References(ids) => ids.serialize(serializer),
            // Without their record, files have no URL (see `RecordJson::with_file_urls`).
            Self::File(Some(file)) => file.serialize(serializer),
            Self::Files(files) => files.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::Config;

    fn schema() -> Schema {
        Config::from_json_str(
            r#"{"name": "Order", "tables": [
                {"id": 1, "name": "teams", "fields": [{"id": 1, "name": "zone", "type": "single-line-text"},
                    {"id": 2, "name": "alias", "type": "single-line-text"}]},
                {"id": 2, "name": "people", "fields": [{"id": 1, "name": "zeta", "type": "integer"},
                    {"id": 2, "name": "team", "type": "relationship", "relatedTable": "teams"},
                    {"id": 3, "name": "alpha", "type": "integer"}]}]}"#,
        )
        .unwrap()
        .validate()
        .unwrap()
    }

    fn record(id: i64, values: &[(&str, FieldValue)]) -> Record {
        let moment = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let mut record = Record::new(id, moment, moment, 1);
        record.values = values.iter().map(|(name, value)| ((*name).to_owned(), value.clone())).collect();
        record
    }

    #[test]
    fn fields_follow_the_config_and_expanded_records_their_own_table() {
        let schema = schema();
        let mut person = record(
            1,
            &[
                ("alpha", FieldValue::Integer(1)),
                ("team", FieldValue::Reference(2)),
                ("zeta", FieldValue::Integer(3)),
            ],
        );
        let team =
            record(2, &[("alias", FieldValue::Text("b".into())), ("zone", FieldValue::Text("a".into()))]);
        person.expanded.insert("team".into(), vec![team]);
        let text = serde_json::to_string(&RecordJson::new(&schema, schema.table("people").unwrap(), &person))
            .unwrap();
        let at = "\"2026-01-02T03:04:05.000Z\"";
        assert_eq!(
            text,
            format!(
                r#"{{"id":1,"zeta":3,"team":{{"id":2,"zone":"a","alias":"b","created_at":{at},"updated_at":{at}}},"alpha":1,"created_at":{at},"updated_at":{at}}}"#
            )
        );
    }

    #[test]
    fn values_the_table_does_not_declare_come_after_its_fields() {
        let schema = schema();
        let person = record(1, &[("alpha", FieldValue::Integer(1)), ("extra", FieldValue::Bool(true))]);
        let fields = ["extra".to_owned(), "alpha".to_owned()];
        let json =
            RecordJson::new(&schema, schema.table("people").unwrap(), &person).with_fields(Some(&fields));
        assert_eq!(serde_json::to_string(&json).unwrap(), r#"{"id":1,"alpha":1,"extra":true}"#);
    }
}
