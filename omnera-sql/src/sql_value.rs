//! Values on their way to and from SQL, and their conversion from and to field values.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use omnera_core::FieldValue;
use rust_decimal::Decimal;

use crate::physical::ColumnType;

/// A bound parameter or a decoded column, typed so that a NULL keeps its SQL type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SqlValue {
    Null(ColumnType),
    Integer(i64),
    Text(String),
    Decimal(Decimal),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    Time(NaiveTime),
    TextList(Vec<String>),
    Json(serde_json::Value),
}

impl SqlValue {
    /// The SQL form of a field value kept in a column of `column` type.
    pub(crate) fn from_field(value: &FieldValue, column: ColumnType) -> Self {
        match value {
            FieldValue::Text(text) => Self::Text(text.clone()),
            FieldValue::Integer(number) | FieldValue::Reference(number) => Self::Integer(*number),
            FieldValue::Decimal(number) => Self::Decimal(*number),
            FieldValue::Bool(flag) => Self::Bool(*flag),
            FieldValue::Date(date) => Self::Date(*date),
            FieldValue::DateTime(moment) => Self::Timestamp(*moment),
            FieldValue::Time(time) => Self::Time(*time),
            FieldValue::Choices(choices) => Self::TextList(choices.clone()),
            _ => Self::Null(column),
        }
    }

    /// The field value of a column read back.
    pub(crate) fn into_field(self) -> FieldValue {
        match self {
            Self::Null(_) | Self::Json(_) => FieldValue::Null,
            Self::Integer(number) => FieldValue::Integer(number),
            Self::Text(text) => FieldValue::Text(text),
            Self::Decimal(number) => FieldValue::Decimal(number),
            Self::Bool(flag) => FieldValue::Bool(flag),
            Self::Date(date) => FieldValue::Date(date),
            Self::Timestamp(moment) => FieldValue::DateTime(moment),
            Self::Time(time) => FieldValue::Time(time),
            Self::TextList(choices) => FieldValue::Choices(choices),
        }
    }

    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Integer(number) => Some(*number),
            _ => None,
        }
    }

    pub(crate) fn as_timestamp(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Timestamp(moment) => Some(*moment),
            _ => None,
        }
    }
}

/// The text form SQLite keeps timestamps in: fixed width, so text order is time order.
pub(crate) fn timestamp_text(moment: &DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The engine's clock, at the millisecond precision the API shows.
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}
