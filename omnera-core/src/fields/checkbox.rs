//! `checkbox`: true or false.

use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    value.as_bool().map(FieldValue::Bool).ok_or_else(|| ValueProblem::wrong_type("true or false", value))
}
