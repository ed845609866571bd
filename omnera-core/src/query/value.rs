//! Values, lists, numbers and field paths of filter conditions.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::Serialize;

use crate::query::FilterParseError;
use crate::query::lexer::{is_name, scan_number};

/// A single value a field is compared with.
///
/// There is no null value: `= null` and `!= null` parse as
/// [`Predicate::IsNull`](crate::query::Predicate::IsNull), and null is rejected
/// everywhere else.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{FilterNumber, FilterValue};
///
/// assert_eq!(FilterValue::String("it's".to_owned()).to_string(), r"'it\'s'");
/// assert_eq!(FilterValue::Number("12.50".parse::<FilterNumber>()?).to_string(), "12.50");
/// assert_eq!(FilterValue::Now.to_string(), "@now");
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterValue {
    /// A quoted string, escapes resolved. `%` and `_` are plain characters.
    String(String),
    /// A number, kept as written.
    Number(FilterNumber),
    /// `true` or `false`.
    Bool(bool),
    /// `@user.id`: the id of the user making the request.
    UserId,
    /// `@now`: the time the request is handled.
    Now,
}

impl fmt::Display for FilterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterValue::String(text) => write_quoted(f, text),
            FilterValue::Number(number) => f.write_str(number.as_str()),
            FilterValue::Bool(value) => write!(f, "{value}"),
            FilterValue::UserId => f.write_str("@user.id"),
            FilterValue::Now => f.write_str("@now"),
        }
    }
}

/// Writes `text` in single quotes, escaping `'` and `\`.
fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('\'')?;
    for character in text.chars() {
        if matches!(character, '\'' | '\\') {
            f.write_char('\\')?;
        }
        f.write_char(character)?;
    }
    f.write_char('\'')
}

/// The right-hand side of `in` and `not in`.
///
/// The parser never builds an empty `Values` list; one built by hand prints as
/// `[]`, which does not parse.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{FilterList, FilterValue};
///
/// let list = FilterList::Values(vec![FilterValue::Bool(true), FilterValue::UserId]);
/// assert_eq!(list.to_string(), "[true, @user.id]");
/// assert_eq!(FilterList::UserRoles.to_string(), "@user.roles");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterList {
    /// `[value, ...]`: at least one value when parsed.
    Values(Vec<FilterValue>),
    /// `@user.roles`: the roles of the user making the request.
    UserRoles,
}

impl fmt::Display for FilterList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterList::Values(values) => {
                f.write_char('[')?;
                for (index, value) in values.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_char(']')
            }
            FilterList::UserRoles => f.write_str("@user.roles"),
        }
    }
}

/// A number exactly as written, such as `-3`, `12.50` or `1e-3`.
///
/// The text is checked (an optional `-`, digits, an optional fraction, an
/// optional exponent) but never converted, so decimal columns get exact values.
/// Equality compares the text: `1.0` and `1` differ.
///
/// # Examples
///
/// ```
/// use omnera_core::query::FilterNumber;
///
/// let price: FilterNumber = "12.50".parse()?;
/// assert_eq!(price.as_str(), "12.50");
/// assert_eq!(price.as_f64(), Some(12.5));
/// assert_eq!(price.as_i64(), None);
/// assert_eq!(FilterNumber::from(-7).as_i64(), Some(-7));
/// assert!("1.".parse::<FilterNumber>().is_err());
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FilterNumber(String);

impl FilterNumber {
    /// Checks that `text` is a number of the filter language and keeps it.
    ///
    /// # Errors
    ///
    /// [`FilterParseError::InvalidNumber`] when `text` is not a number.
    pub fn new(text: impl Into<String>) -> Result<Self, FilterParseError> {
        let text = text.into();
        if scan_number(text.as_bytes(), 0) == Some(text.len()) {
            Ok(FilterNumber(text))
        } else {
            Err(FilterParseError::InvalidNumber { text, position: 0 })
        }
    }

    /// Keeps text the lexer has already checked.
    pub(crate) fn from_checked(text: &str) -> Self {
        FilterNumber(text.to_owned())
    }

    /// The number as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, if the number is written as an integer (no fraction, no
    /// exponent) that fits in an `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        if self.0.contains(['.', 'e', 'E']) {
            return None;
        }
        self.0.parse().ok()
    }

    /// The nearest `f64`, or `None` if the number is too large for one.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|value| value.is_finite())
    }
}

impl FromStr for FilterNumber {
    type Err = FilterParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FilterNumber::new(text)
    }
}

impl From<i64> for FilterNumber {
    fn from(value: i64) -> Self {
        FilterNumber(value.to_string())
    }
}

impl fmt::Display for FilterNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The field a condition tests: names joined by `.`, such as `customer.name`.
///
/// A path has at least one segment, and every segment matches
/// `[A-Za-z_][A-Za-z0-9_]*`. A path of several segments follows relationships:
/// every segment but the last names a relationship whose table is joined.
///
/// # Examples
///
/// ```
/// use omnera_core::query::FieldPath;
///
/// let path: FieldPath = "customer.address.city".parse()?;
/// assert_eq!(path.first(), "customer");
/// assert_eq!(path.segments().len(), 3);
/// assert!(path.is_relationship_path());
/// assert_eq!(FieldPath::new(["status"])?.to_string(), "status");
/// assert!("customer..city".parse::<FieldPath>().is_err());
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct FieldPath(Vec<String>);

impl FieldPath {
    /// Builds a path from its segments.
    ///
    /// # Errors
    ///
    /// [`FilterParseError::InvalidFieldPath`] when there are no segments or a
    /// segment is not a name.
    pub fn new<I, S>(segments: I) -> Result<Self, FilterParseError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let segments: Vec<String> = segments.into_iter().map(Into::into).collect();
        if !segments.is_empty() && segments.iter().all(|segment| is_name(segment)) {
            Ok(FieldPath(segments))
        } else {
            Err(FilterParseError::InvalidFieldPath { path: segments.join(".") })
        }
    }

    /// Keeps segments the parser has already checked (at least one, all names).
    pub(crate) fn from_checked(segments: Vec<String>) -> Self {
        FieldPath(segments)
    }

    /// The segments, first to last; never empty.
    #[must_use]
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// The first segment: the field of the filtered table itself.
    #[must_use]
    pub fn first(&self) -> &str {
        self.0.first().map_or("", String::as_str)
    }

    /// Whether the path reaches into a related table (has more than one segment).
    #[must_use]
    pub fn is_relationship_path(&self) -> bool {
        self.0.len() > 1
    }
}

impl FromStr for FieldPath {
    type Err = FilterParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FieldPath::new(text.split('.'))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked_and_kept_as_written() {
        for text in ["0", "-0", "007", "12.50", "-3.25", "1e9", "2E-3", "6.02e+23"] {
            assert_eq!(FilterNumber::new(text).unwrap().as_str(), text);
        }
        for text in ["", "-", "+1", "1.", ".5", "1e", "1e+", "1.2.3", "12a", " 1", "1 ", "--1"] {
            let error = FilterNumber::new(text).unwrap_err();
            assert!(matches!(error, FilterParseError::InvalidNumber { .. }), "{text}");
        }
    }

    #[test]
    fn number_conversions() {
        assert_eq!(FilterNumber::new("-42").unwrap().as_i64(), Some(-42));
        assert_eq!(FilterNumber::new("1e3").unwrap().as_i64(), None);
        assert_eq!(FilterNumber::new("99999999999999999999").unwrap().as_i64(), None);
        assert_eq!(FilterNumber::new("1e3").unwrap().as_f64(), Some(1000.0));
        assert_eq!(FilterNumber::new("1e999").unwrap().as_f64(), None);
        assert_eq!(FilterNumber::from(i64::MIN).as_i64(), Some(i64::MIN));
    }

    #[test]
    fn field_paths_need_valid_segments() {
        let path: FieldPath = "a.b_2._c".parse().unwrap();
        assert_eq!(path.segments(), ["a", "b_2", "_c"]);
        assert_eq!(path.to_string(), "a.b_2._c");
        assert!(!"a".parse::<FieldPath>().unwrap().is_relationship_path());
        for text in ["", ".", "a.", ".a", "2a", "a-b", "a b", "é"] {
            let error = text.parse::<FieldPath>().unwrap_err();
            assert_eq!(error, FilterParseError::InvalidFieldPath { path: text.to_owned() });
        }
        assert!(FieldPath::new(Vec::<String>::new()).is_err());
    }

    #[test]
    fn strings_print_quoted_and_escaped() {
        let value = FilterValue::String(r#"a'b"c\d"#.to_owned());
        assert_eq!(value.to_string(), r#"'a\'b"c\\d'"#);
        assert_eq!(FilterValue::String(String::new()).to_string(), "''");
    }

    #[test]
    fn lists_print_with_brackets() {
        let list = FilterList::Values(vec![FilterValue::Number(FilterNumber::from(1))]);
        assert_eq!(list.to_string(), "[1]");
        assert_eq!(FilterList::Values(vec![]).to_string(), "[]");
    }
}
