//! `currency`: exact amounts with no more decimals than the currency's minor units.

use iso_currency::Currency;
use rust_decimal::Decimal;
use serde_json::Value;

use super::number::{check_digits, check_range, decimal_bounds, decimal_from_json};
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

/// The options of a `currency` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyOptions {
    /// The ISO 4217 code, such as `EUR`.
    pub code: String,
    /// Digits after the point that the currency has (2 for EUR, 0 for JPY).
    pub minor_units: u32,
    /// The smallest allowed amount.
    pub min: Option<Decimal>,
    /// The largest allowed amount.
    pub max: Option<Decimal>,
}

pub(super) fn options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> CurrencyOptions {
    let (min, max) = decimal_bounds(field, path, cx);
    let code = field.currency.as_deref().unwrap_or("USD");
    let minor_units = match Currency::from_code(code) {
        Some(currency) => currency.exponent().map_or(0, u32::from),
        None => {
            let message = format!("`{code}` is not an ISO 4217 currency code, such as USD or EUR");
            cx.report(path.key("currency"), IssueCode::InvalidCurrency, message);
            2
        }
    };
    CurrencyOptions { code: code.to_owned(), minor_units, min, max }
}

pub(super) fn normalize(options: &CurrencyOptions, value: &Value) -> Result<FieldValue, ValueProblem> {
    let mut amount = decimal_from_json(value)?.normalize();
    if amount.scale() > options.minor_units {
        let message = format!("{} has at most {} decimals", options.code, options.minor_units);
        return Err(ValueProblem::new("too_many_decimals", message));
    }
    check_range(amount, options.min, options.max)?;
    amount.rescale(options.minor_units);
    check_digits(amount)?;
    Ok(FieldValue::Decimal(amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn euro() -> CurrencyOptions {
        CurrencyOptions { code: "EUR".into(), minor_units: 2, min: None, max: None }
    }

    #[test]
    fn refuses_more_decimals_than_the_currency_has_instead_of_rounding() {
        assert_eq!(normalize(&euro(), &Value::from("12.345")).unwrap_err().code, "too_many_decimals");
        assert_eq!(normalize(&euro(), &Value::from(12.5)), Ok(FieldValue::Decimal(Decimal::new(1250, 2))));
        assert_eq!(
            normalize(&euro(), &Value::from("12.500")),
            Ok(FieldValue::Decimal(Decimal::new(1250, 2)))
        );
    }
}
