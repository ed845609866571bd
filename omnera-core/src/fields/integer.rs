//! `integer`: a whole number in i64 and in range.

use serde_json::Value;

use super::number::{check_order, check_range};
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

/// The options of an `integer` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IntegerOptions {
    /// The smallest allowed value.
    pub min: Option<i64>,
    /// The largest allowed value.
    pub max: Option<i64>,
}

pub(super) fn options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> IntegerOptions {
    let mut whole = |key: &str, number: Option<&serde_json::Number>| {
        let number = number?;
        let whole = number.as_i64();
        if whole.is_none() {
            cx.report(
                path.key(key),
                IssueCode::WrongType,
                format!("expected a whole number, found {number}"),
            );
        }
        whole
    };
    let min = whole("min", field.min.as_ref());
    let max = whole("max", field.max.as_ref());
    check_order(min, max, path, cx);
    IntegerOptions { min, max }
}

/// The largest whole number a JSON float (`5.0`) carries exactly: 2^53.
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

pub(super) fn normalize(options: &IntegerOptions, value: &Value) -> Result<FieldValue, ValueProblem> {
    let whole_float =
        value.as_f64().filter(|number| number.fract() == 0.0 && number.abs() <= MAX_EXACT_FLOAT);
    let number = value.as_i64().or(whole_float.map(|number| number as i64)).ok_or_else(|| match value {
        Value::Number(number)
            if number.is_u64() || number.as_f64().is_some_and(|float| float.fract() == 0.0) =>
        {
            ValueProblem::new("out_of_range", "is too large")
        }
        _ => ValueProblem::wrong_type("a whole number", value),
    })?;
    check_range(number, options.min, options.max)?;
    Ok(FieldValue::Integer(number))
}
