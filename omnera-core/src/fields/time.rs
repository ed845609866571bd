//! `time`: `HH:MM:SS`, fractions of a second kept; seconds run 00 to 59.

use chrono::{NaiveTime, Timelike};
use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("a time written HH:MM:SS", value));
    };
    // chrono reads `23:59:60` as a leap second, which PostgreSQL would turn into 00:00:00.
    match NaiveTime::parse_from_str(text, "%H:%M:%S%.f") {
        Ok(time) if text.len() >= 8 && !is_leap_second(time.nanosecond()) => Ok(FieldValue::Time(time)),
        _ => Err(ValueProblem::new(
            "invalid_time",
            format!("`{text}` is not a time written HH:MM:SS (seconds 00 to 59)"),
        )),
    }
}

/// Whether chrono's nanoseconds of a time mark a leap second (`:60`).
pub(super) fn is_leap_second(nanosecond: u32) -> bool {
    nanosecond >= 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_run_to_59() {
        assert!(normalize(&Value::from("23:59:59.5")).is_ok());
        for leap in ["23:59:60", "23:59:60.25", "12:00:60"] {
            assert_eq!(normalize(&Value::from(leap)).unwrap_err().code, "invalid_time", "{leap}");
        }
    }
}
