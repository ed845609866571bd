//! What the number kinds share: exact decimals from JSON, `min`/`max` and range checks.

use std::fmt::Display;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::ValueProblem;
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};

/// The most digits an exact number holds, those after the point included: what a 64-bit
/// integer count of its smallest units (cents at precision 2) always holds, as SQLite keeps it.
pub const MAX_DECIMAL_DIGITS: u32 = 18;

/// Refuses an exact number, already at its field's scale, of more than [`MAX_DECIMAL_DIGITS`].
pub(super) fn check_digits(value: Decimal) -> Result<(), ValueProblem> {
    if value.mantissa().unsigned_abs() < 10u128.pow(MAX_DECIMAL_DIGITS) {
        return Ok(());
    }
    let message =
        format!("{value} has more than {MAX_DECIMAL_DIGITS} digits ({} after the point)", value.scale());
    Err(ValueProblem::new("out_of_range", message))
}

/// An exact decimal from a JSON number or a numeric string (strings keep every digit).
pub(super) fn decimal_from_json(value: &Value) -> Result<Decimal, ValueProblem> {
    let text = match value {
        Value::Number(number) => number.to_string(),
        Value::String(text) => text.trim().to_owned(),
        other => return Err(ValueProblem::wrong_type("a number", other)),
    };
    parse_decimal(&text).ok_or_else(|| ValueProblem::wrong_type("a number", value))
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str_exact(text).ok().or_else(|| Decimal::from_scientific(text).ok())
}

/// The field's `min` and `max` as decimals; reports a `min` above `max`.
pub(super) fn decimal_bounds(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> (Option<Decimal>, Option<Decimal>) {
    let min = field.min.as_ref().and_then(|min| parse_decimal(&min.to_string()));
    let max = field.max.as_ref().and_then(|max| parse_decimal(&max.to_string()));
    check_order(min, max, path, cx);
    (min, max)
}

/// Reports `min` greater than `max`.
pub(super) fn check_order<T: PartialOrd + Display>(
    min: Option<T>,
    max: Option<T>,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) {
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        cx.report(
            path.key("min"),
            IssueCode::MinGreaterThanMax,
            format!("min ({min}) is greater than max ({max})"),
        );
    }
}

/// Refuses a value outside `min..=max`.
pub(super) fn check_range<T: PartialOrd + Display + Copy>(
    value: T,
    min: Option<T>,
    max: Option<T>,
) -> Result<(), ValueProblem> {
    if let Some(min) = min.filter(|min| value < *min) {
        return Err(ValueProblem::new("out_of_range", format!("{value} is less than the minimum {min}")));
    }
    if let Some(max) = max.filter(|max| value > *max) {
        return Err(ValueProblem::new("out_of_range", format!("{value} is greater than the maximum {max}")));
    }
    Ok(())
}
