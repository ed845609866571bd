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
    /// An exact number for a decimal column of `scale` digits after the point.
    Decimal {
        value: Decimal,
        scale: u32,
    },
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
            FieldValue::Decimal(number) => {
                let scale = match column {
                    ColumnType::Decimal { scale } => scale,
                    _ => number.scale(),
                };
                Self::Decimal { value: *number, scale }
            }
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
            Self::Decimal { value, .. } => FieldValue::Decimal(value),
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

/// A number as SQLite compares it with a decimal column of some scale, which holds the integer
/// count of the column's smallest units (12.50 at scale 2 as 1250).
#[cfg(feature = "sqlite")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ScaledDecimal {
    /// A number at the column's scale: its count of units.
    Count(i64),
    /// A number with more digits after the point (a filter's 12.505 at scale 2), or too large
    /// for a 64-bit count: the REAL nearest its count, which lies between the same two counts.
    Between(f64),
}

#[cfg(feature = "sqlite")]
impl ScaledDecimal {
    /// `value` as a column of `scale` digits after the point compares with it.
    pub(crate) fn of(value: Decimal, scale: u32) -> Self {
        use rust_decimal::prelude::ToPrimitive;
        let units = Decimal::from(10i64.pow(scale.min(18)));
        let Some(count) = value.checked_mul(units).map(|count| count.normalize()) else {
            return Self::Between(value.to_f64().unwrap_or_default() * 10f64.powf(f64::from(scale)));
        };
        match count.to_i64() {
            Some(whole) if count.scale() == 0 => Self::Count(whole),
            _ => Self::Between(count.to_f64().unwrap_or_default()),
        }
    }
}

/// The number a decimal column of `scale` read back as `count` units holds.
#[cfg(feature = "sqlite")]
pub(crate) fn decimal_from_count(count: i64, scale: u32) -> Result<SqlValue, String> {
    Decimal::try_new(count, scale)
        .map(|value| SqlValue::Decimal { value, scale })
        .map_err(|error| format!("stored decimal {count} at scale {scale}: {error}"))
}

/// The text form SQLite keeps timestamps in: fixed width, so text order is time order.
#[cfg(feature = "sqlite")]
pub(crate) fn timestamp_text(moment: &DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A table or field id as system tables keep it (BIGINT). Validated ids are below 2^53.
pub(crate) fn schema_id(id: u64) -> Result<SqlValue, omnera_core::backend::StorageError> {
    i64::try_from(id)
        .map(SqlValue::Integer)
        .map_err(|_| crate::error::unavailable(format!("the schema id {id} does not fit a BIGINT")))
}

/// The engine's clock, at the millisecond precision the API shows.
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

#[cfg(test)]
#[cfg(feature = "sqlite")]
mod tests {
    use super::*;

    fn scaled(text: &str, scale: u32) -> ScaledDecimal {
        ScaledDecimal::of(text.parse().unwrap(), scale)
    }

    #[test]
    fn a_decimal_binds_as_its_count_of_units_or_the_real_between_two_counts() {
        assert_eq!(scaled("12.5", 2), ScaledDecimal::Count(1250));
        assert_eq!(scaled("-0.050", 2), ScaledDecimal::Count(-5), "trailing zeros are no extra digits");
        assert_eq!(scaled("500.555", 2), ScaledDecimal::Between(50055.5));
        assert_eq!(scaled("7", 0), ScaledDecimal::Count(7));
        assert_eq!(scaled("99999999999999999999999", 2), ScaledDecimal::Between(1e25), "past 64 bits");
    }
}
