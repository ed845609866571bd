//! The bracket form of the query string: `field[operator]=value`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::query::{CompareOp, FilterList, FilterParseError, FilterValue, Predicate};

/// An operator name of the bracket form, such as `gte` in `?age[gte]=18`.
///
/// Values of the bracket form are raw query-string text: they are kept as
/// [`FilterValue::String`], and the filter compiler converts them by the
/// field's type.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{
///     BracketOperator, CompareOp, FilterList, FilterValue, Predicate,
/// };
///
/// let operator: BracketOperator = "gte".parse()?;
/// assert_eq!(
///     operator.predicate("18")?,
///     Predicate::Compare { op: CompareOp::Gte, value: FilterValue::String("18".to_owned()) },
/// );
///
/// let nin: BracketOperator = "nin".parse()?;
/// let list = FilterList::Values(vec![
///     FilterValue::String("a".to_owned()),
///     FilterValue::String("b".to_owned()),
/// ]);
/// assert_eq!(nin.predicate("a,b")?, Predicate::In { negated: true, list });
///
/// assert!("between".parse::<BracketOperator>().is_err());
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BracketOperator {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
    /// `in`: equal to one of a comma-separated list.
    In,
    /// `nin`: equal to none of a comma-separated list.
    Nin,
    /// `contains`: contains the text.
    Contains,
    /// `starts_with`: starts with the text.
    StartsWith,
    /// `ends_with`: ends with the text.
    EndsWith,
    /// `is_null`: has no value (`true`) or has one (`false`).
    IsNull,
    /// `has`: a multi-valued field contains the value.
    Has,
}

impl BracketOperator {
    /// Every operator, in the order of the API contract.
    pub const ALL: [BracketOperator; 13] = [
        BracketOperator::Eq,
        BracketOperator::Ne,
        BracketOperator::Gt,
        BracketOperator::Gte,
        BracketOperator::Lt,
        BracketOperator::Lte,
        BracketOperator::In,
        BracketOperator::Nin,
        BracketOperator::Contains,
        BracketOperator::StartsWith,
        BracketOperator::EndsWith,
        BracketOperator::IsNull,
        BracketOperator::Has,
    ];

    /// The name as written in the query string, such as `starts_with`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            BracketOperator::Eq => "eq",
            BracketOperator::Ne => "ne",
            BracketOperator::Gt => "gt",
            BracketOperator::Gte => "gte",
            BracketOperator::Lt => "lt",
            BracketOperator::Lte => "lte",
            BracketOperator::In => "in",
            BracketOperator::Nin => "nin",
            BracketOperator::Contains => "contains",
            BracketOperator::StartsWith => "starts_with",
            BracketOperator::EndsWith => "ends_with",
            BracketOperator::IsNull => "is_null",
            BracketOperator::Has => "has",
        }
    }

    /// Builds the predicate for the raw query-string value.
    ///
    /// `in` and `nin` split the value at every `,` (nothing is trimmed, and an
    /// empty item is an empty string); `is_null` takes `true` or `false` in
    /// any case; every other operator keeps the value whole as a string.
    ///
    /// # Errors
    ///
    /// [`FilterParseError::EmptyBracketList`] for `in` or `nin` with an empty value,
    /// and [`FilterParseError::InvalidIsNullValue`] for `is_null` with a value
    /// other than `true` or `false`.
    pub fn predicate(self, raw_value: &str) -> Result<Predicate, FilterParseError> {
        let text = || FilterValue::String(raw_value.to_owned());
        let compare = |op| Ok(Predicate::Compare { op, value: text() });
        match self {
            BracketOperator::Eq => compare(CompareOp::Eq),
            BracketOperator::Ne => compare(CompareOp::Ne),
            BracketOperator::Gt => compare(CompareOp::Gt),
            BracketOperator::Gte => compare(CompareOp::Gte),
            BracketOperator::Lt => compare(CompareOp::Lt),
            BracketOperator::Lte => compare(CompareOp::Lte),
            BracketOperator::Contains => compare(CompareOp::Contains),
            BracketOperator::StartsWith => compare(CompareOp::StartsWith),
            BracketOperator::EndsWith => compare(CompareOp::EndsWith),
            BracketOperator::Has => Ok(Predicate::Has(text())),
            BracketOperator::In | BracketOperator::Nin => {
                if raw_value.is_empty() {
                    return Err(FilterParseError::EmptyBracketList { operator: self });
                }
                let values = raw_value.split(',').map(|item| FilterValue::String(item.to_owned())).collect();
                let negated = self == BracketOperator::Nin;
                Ok(Predicate::In { negated, list: FilterList::Values(values) })
            }
            BracketOperator::IsNull => {
                if raw_value.eq_ignore_ascii_case("true") {
                    Ok(Predicate::IsNull { negated: false })
                } else if raw_value.eq_ignore_ascii_case("false") {
                    Ok(Predicate::IsNull { negated: true })
                } else {
                    let value = raw_value.to_owned();
                    Err(FilterParseError::InvalidIsNullValue { value })
                }
            }
        }
    }
}

impl FromStr for BracketOperator {
    type Err = FilterParseError;

    /// Reads an operator name, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        BracketOperator::ALL
            .into_iter()
            .find(|operator| operator.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| FilterParseError::UnknownBracketOperator { name: name.to_owned() })
    }
}

impl fmt::Display for BracketOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn string(text: &str) -> FilterValue {
        FilterValue::String(text.to_owned())
    }

    #[test]
    fn names_round_trip() {
        for operator in BracketOperator::ALL {
            assert_eq!(operator.name().parse::<BracketOperator>(), Ok(operator));
            assert_eq!(operator.to_string(), operator.name());
        }
        assert_eq!("STARTS_WITH".parse(), Ok(BracketOperator::StartsWith));
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let error = "like".parse::<BracketOperator>().unwrap_err();
        let message = error.to_string();
        assert!(message.starts_with("unknown operator 'like'; valid operators are "));
        for operator in BracketOperator::ALL {
            assert!(message.contains(operator.name()), "{message} lacks {operator}");
        }
    }

    #[test]
    fn comparisons_keep_the_raw_text() {
        let predicate = BracketOperator::Contains.predicate("50%_off").unwrap();
        assert_eq!(predicate, Predicate::Compare { op: CompareOp::Contains, value: string("50%_off") });
        let predicate = BracketOperator::Eq.predicate("null").unwrap();
        assert_eq!(predicate, Predicate::Compare { op: CompareOp::Eq, value: string("null") });
        assert_eq!(BracketOperator::Has.predicate("x").unwrap(), Predicate::Has(string("x")));
    }

    #[test]
    fn lists_split_at_commas() {
        let list = FilterList::Values(vec![string("a"), string(" b"), string("")]);
        let expected = Predicate::In { negated: false, list };
        assert_eq!(BracketOperator::In.predicate("a, b,").unwrap(), expected);
        let error = BracketOperator::Nin.predicate("").unwrap_err();
        assert_eq!(error.to_string(), "'nin' needs a comma-separated list of values, found an empty value");
    }

    #[test]
    fn is_null_takes_a_boolean() {
        let predicate = BracketOperator::IsNull.predicate("TRUE").unwrap();
        assert_eq!(predicate, Predicate::IsNull { negated: false });
        let predicate = BracketOperator::IsNull.predicate("false").unwrap();
        assert_eq!(predicate, Predicate::IsNull { negated: true });
        let error = BracketOperator::IsNull.predicate("yes").unwrap_err();
        assert_eq!(error.to_string(), "invalid value 'yes' for is_null; expected true or false");
    }
}
