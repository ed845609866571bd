//! Conditions: a field path and what its value must satisfy.

use std::fmt;

use serde::Serialize;

use crate::query::{FieldPath, FilterList, FilterValue};

/// One test on one field, such as `price >= 10` or `tags has 'urgent'`.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{CompareOp, Condition, FieldPath, FilterValue, Predicate};
///
/// let condition = Condition {
///     path: "customer.name".parse::<FieldPath>()?,
///     predicate: Predicate::Compare {
///         op: CompareOp::StartsWith,
///         value: FilterValue::String("Ac".to_owned()),
///     },
/// };
/// assert_eq!(condition.to_string(), "customer.name ^~ 'Ac'");
/// assert!(condition.path.is_relationship_path());
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Condition {
    /// The field tested; a path of several segments reaches into related tables.
    pub path: FieldPath,
    /// What the field's value must satisfy.
    pub predicate: Predicate,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.predicate)
    }
}

/// What a field's value must satisfy: the part of a [`Condition`] after the path.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{FilterList, Predicate};
///
/// let predicate = Predicate::In { negated: true, list: FilterList::UserRoles };
/// assert_eq!(predicate.to_string(), "not in @user.roles");
/// assert_eq!(Predicate::IsNull { negated: false }.to_string(), "is null");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    /// `field op value`, such as `age >= 18`.
    Compare {
        /// How the field is compared with the value.
        op: CompareOp,
        /// The value compared with; never null, since `= null` parses as
        /// [`Predicate::IsNull`].
        value: FilterValue,
    },
    /// `field in list`, or `field not in list` when negated.
    In {
        /// Whether the field must not equal any value of the list (`not in`).
        negated: bool,
        /// The values.
        list: FilterList,
    },
    /// `field has value`: a multi-valued field contains the value.
    Has(FilterValue),
    /// `field is null`, or `field is not null` when negated.
    IsNull {
        /// Whether the field must have a value (`is not null`).
        negated: bool,
    },
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predicate::Compare { op, value } => write!(f, "{op} {value}"),
            Predicate::In { negated, list } => {
                let not = if *negated { "not " } else { "" };
                write!(f, "{not}in {list}")
            }
            Predicate::Has(value) => write!(f, "has {value}"),
            Predicate::IsNull { negated: false } => f.write_str("is null"),
            Predicate::IsNull { negated: true } => f.write_str("is not null"),
        }
    }
}

/// A comparison operator of a [`Predicate::Compare`].
///
/// The text operators (`~`, `!~`, `^~`, `$~`) ignore case and treat `%` and `_`
/// as plain characters.
///
/// # Examples
///
/// ```
/// use omnera_core::query::CompareOp;
///
/// assert_eq!(CompareOp::StartsWith.symbol(), "^~");
/// assert_eq!(CompareOp::Gte.to_string(), ">=");
/// assert_eq!(CompareOp::ALL.len(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// `=`: equal.
    Eq,
    /// `!=`: not equal.
    Ne,
    /// `>`: greater than.
    Gt,
    /// `>=`: greater than or equal.
    Gte,
    /// `<`: less than.
    Lt,
    /// `<=`: less than or equal.
    Lte,
    /// `~`: contains the text.
    Contains,
    /// `!~`: does not contain the text.
    NotContains,
    /// `^~`: starts with the text.
    StartsWith,
    /// `$~`: ends with the text.
    EndsWith,
}

impl CompareOp {
    /// Every operator, in the order of the grammar.
    pub const ALL: [CompareOp; 10] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Gte,
        CompareOp::Lt,
        CompareOp::Lte,
        CompareOp::Contains,
        CompareOp::NotContains,
        CompareOp::StartsWith,
        CompareOp::EndsWith,
    ];

    /// The operator as written in a filter expression, such as `>=`.
    #[must_use]
    pub const fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Gt => ">",
            CompareOp::Gte => ">=",
            CompareOp::Lt => "<",
            CompareOp::Lte => "<=",
            CompareOp::Contains => "~",
            CompareOp::NotContains => "!~",
            CompareOp::StartsWith => "^~",
            CompareOp::EndsWith => "$~",
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn display_of_predicates() {
        let text = FilterValue::String("it's".to_owned());
        let compare = Predicate::Compare { op: CompareOp::NotContains, value: text.clone() };
        assert_eq!(compare.to_string(), r"!~ 'it\'s'");
        let list = FilterList::Values(vec![text, FilterValue::Bool(true)]);
        let within = Predicate::In { negated: false, list };
        assert_eq!(within.to_string(), r"in ['it\'s', true]");
        assert_eq!(Predicate::Has(FilterValue::UserId).to_string(), "has @user.id");
        assert_eq!(Predicate::IsNull { negated: true }.to_string(), "is not null");
    }

    #[test]
    fn every_operator_has_a_distinct_symbol() {
        let mut symbols: Vec<&str> = CompareOp::ALL.iter().map(|op| op.symbol()).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), CompareOp::ALL.len());
    }
}
