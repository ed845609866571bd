//! `decimal` and `percentage`: exact, rounded half-even to `precision` digits.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;

use super::number::{check_digits, check_range, decimal_bounds, decimal_from_json};
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

/// The default `precision`.
const DEFAULT_PRECISION: u32 = 2;
/// The largest `precision`.
const MAX_PRECISION: u32 = 10;

/// The options of a `decimal` or `percentage` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecimalOptions {
    /// The smallest allowed value.
    pub min: Option<Decimal>,
    /// The largest allowed value.
    pub max: Option<Decimal>,
    /// Digits after the point, 0 to 10.
    pub precision: u32,
}

pub(super) fn options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> DecimalOptions {
    let (min, max) = decimal_bounds(field, path, cx);
    let precision = match field.precision {
        Some(precision) if precision > MAX_PRECISION => {
            let message = format!("precision {precision} is out of range 0..={MAX_PRECISION}");
            cx.report(path.key("precision"), IssueCode::OutOfRange, message);
            DEFAULT_PRECISION
        }
        Some(precision) => precision,
        None => DEFAULT_PRECISION,
    };
    DecimalOptions { min, max, precision }
}

pub(super) fn normalize(options: &DecimalOptions, value: &Value) -> Result<FieldValue, ValueProblem> {
    let exact = decimal_from_json(value)?;
    let mut rounded = exact.round_dp_with_strategy(options.precision, RoundingStrategy::MidpointNearestEven);
    check_range(rounded, options.min, options.max)?;
    rounded.rescale(options.precision);
    check_digits(rounded)?;
    Ok(FieldValue::Decimal(rounded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_to_even_without_binary_drift() {
        let options = DecimalOptions { min: None, max: None, precision: 2 };
        let round = |text: &str| match normalize(&options, &Value::from(text)) {
            Ok(FieldValue::Decimal(number)) => number.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(round("0.125"), "0.12");
        assert_eq!(round("0.135"), "0.14");
        assert_eq!(round("1.005"), "1.00");
        assert_eq!(normalize(&options, &serde_json::json!(0.1)), Ok(FieldValue::Decimal(Decimal::new(1, 1))));
    }

    #[test]
    fn holds_eighteen_digits_with_those_after_the_point() {
        let options = DecimalOptions { min: None, max: None, precision: 2 };
        let largest = "9999999999999999.99";
        assert_eq!(
            normalize(&options, &Value::from(largest)),
            Ok(FieldValue::Decimal(largest.parse().unwrap()))
        );
        assert_eq!(normalize(&options, &Value::from("-9999999999999999.99")).map(|_| ()), Ok(()));
        assert_eq!(normalize(&options, &Value::from("10000000000000000")).unwrap_err().code, "out_of_range");
        // Rounding up can carry into a nineteenth digit.
        assert_eq!(
            normalize(&options, &Value::from("9999999999999999.995")).unwrap_err().code,
            "out_of_range"
        );
    }
}
