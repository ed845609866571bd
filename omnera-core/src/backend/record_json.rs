//! Records and values written straight to JSON, as the API shows them: no `serde_json::Value`
//! tree is built on the way, which for a page of records cost more than reading it.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::Record;
use crate::FieldValue;

/// A record as the API shows it: `id`, its fields (expanded relationships as objects),
/// `created_at` and `updated_at`, in alphabetical order; with `fields`, only `id`, the named
/// fields (the timestamps only when named) and the expanded ones, whatever else storage read
/// (such as the sort keys a cursor needs).
///
/// ```
/// use chrono::Utc;
/// use omnera_core::FieldValue;
/// use omnera_core::backend::{Record, RecordJson};
///
/// let mut record = Record::new(7, Utc::now(), Utc::now(), 1);
/// record.values.insert("name".into(), FieldValue::Text("Ann".into()));
/// let fields = ["name".to_owned()];
/// let json = serde_json::to_value(RecordJson::new(&record).with_fields(Some(&fields))).unwrap();
/// assert_eq!(json, serde_json::json!({"id": 7, "name": "Ann"}));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RecordJson<'r> {
    record: &'r Record,
    fields: Option<&'r [String]>,
}

impl<'r> RecordJson<'r> {
    /// The whole record.
    pub fn new(record: &'r Record) -> Self {
        Self { record, fields: None }
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
}

/// One entry of a record's JSON object.
enum Entry<'r> {
    Id,
    Timestamp(&'r chrono::DateTime<chrono::Utc>),
    Field(&'r str, &'r FieldValue),
}

impl Serialize for RecordJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.record;
        let mut entries: Vec<(&str, Entry<'_>)> = Vec::with_capacity(record.values.len() + 3);
        entries.push(("id", Entry::Id));
        entries.push(("created_at", Entry::Timestamp(&record.created_at)));
        entries.push(("updated_at", Entry::Timestamp(&record.updated_at)));
        entries.extend(record.values.iter().map(|(name, value)| (name.as_str(), Entry::Field(name, value))));
        entries.retain(|(name, _)| self.shows(name));
        entries.sort_unstable_by_key(|(name, _)| *name);
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (name, entry) in entries {
            match entry {
                Entry::Id => map.serialize_entry(name, &record.id)?,
                Entry::Timestamp(moment) => map.serialize_entry(name, &FieldValue::DateTime(*moment))?,
                Entry::Field(name, value) => match (record.expanded.get(name), value) {
                    (Some(related), FieldValue::References(_)) => {
                        map.serialize_entry(name, &Related(related))?;
                    }
                    (Some(related), _) => map.serialize_entry(name, &related.first().map(RecordJson::new))?,
                    (None, value) => map.serialize_entry(name, value)?,
                },
            }
        }
        map.end()
    }
}

/// Expanded records of a many-to-many field.
struct Related<'r>(&'r [Record]);

impl Serialize for Related<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for record in self.0 {
            seq.serialize_element(&RecordJson::new(record))?;
        }
        seq.end()
    }
}

impl Serialize for Record {
    /// The whole record, as [`RecordJson`] writes it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RecordJson::new(self).serialize(serializer)
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
            Self::File(Some(file)) => file.serialize(serializer),
            Self::Files(files) => files.serialize(serializer),
        }
    }
}
