//! `time`: `HH:MM:SS`, fractions of a second kept.

use chrono::NaiveTime;
use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("a time written HH:MM:SS", value));
    };
    match NaiveTime::parse_from_str(text, "%H:%M:%S%.f") {
        Ok(time) if text.len() >= 8 => Ok(FieldValue::Time(time)),
        _ => Err(ValueProblem::new("invalid_time", format!("`{text}` is not a time written HH:MM:SS"))),
    }
}
