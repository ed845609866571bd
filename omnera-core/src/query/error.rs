//! The error reported when filter text (or a piece of it) does not parse.

use thiserror::Error;

use crate::query::{BracketOperator, CompareOp};

/// Why a filter expression, field path, number or bracket-form parameter was rejected.
///
/// Messages are lowercase sentences meant for the person who wrote the filter.
/// Where the problem has a place in the text, the message names its byte offset
/// (counted from 0) and [`position`](FilterParseError::position) returns it.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{FilterParseError, parse_filter};
///
/// let error = parse_filter("age >= ").unwrap_err();
/// assert_eq!(error.to_string(), "expected a value after '>=' at position 7, found end of input");
/// assert_eq!(error.position(), Some(7));
///
/// let error = parse_filter("status == 'open'").unwrap_err();
/// assert_eq!(error.to_string(), "unknown operator '==' at position 7; did you mean '='?");
/// assert!(matches!(error, FilterParseError::UnknownOperator { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FilterParseError {
    /// The text holds nothing but whitespace.
    #[error("empty expression")]
    Empty,
    /// The text is longer than [`MAX_FILTER_LENGTH`](crate::query::MAX_FILTER_LENGTH) bytes.
    #[error("expression is too long ({length} bytes; at most {limit} are allowed)")]
    TooLong {
        /// The length of the text in bytes.
        length: usize,
        /// The largest length allowed.
        limit: usize,
    },
    /// Parentheses and `!` nest deeper than [`MAX_NESTING_DEPTH`](crate::query::MAX_NESTING_DEPTH).
    #[error(
        "expression nests too deeply at position {position} (at most {limit} levels of parentheses and '!')"
    )]
    TooDeep {
        /// Where the level that goes past the limit starts.
        position: usize,
        /// The deepest nesting allowed.
        limit: usize,
    },
    /// A character that starts no token.
    #[error("unexpected character '{character}' at position {position}")]
    UnexpectedCharacter {
        /// The character.
        character: char,
        /// Where it is.
        position: usize,
    },
    /// An operator the language does not have, with the one probably meant.
    #[error("unknown operator '{operator}' at position {position}; did you mean '{suggestion}'?")]
    UnknownOperator {
        /// The operator as written.
        operator: String,
        /// The operator of the language that was probably meant.
        suggestion: &'static str,
        /// Where it is.
        position: usize,
    },
    /// A string without its closing quote.
    #[error("unterminated string starting at position {position}")]
    UnterminatedString {
        /// Where the opening quote is.
        position: usize,
    },
    /// A backslash followed by something other than `'`, `"` or `\`.
    #[error(
        "invalid escape '\\{escape}' at position {position}; only \\', \\\" and \\\\ are allowed in strings"
    )]
    InvalidEscape {
        /// The character after the backslash.
        escape: char,
        /// Where the backslash is.
        position: usize,
    },
    /// Text that starts like a number but is not one, such as `1.` or `12ab`.
    #[error("invalid number '{text}' at position {position}")]
    InvalidNumber {
        /// The text as written.
        text: String,
        /// Where it starts.
        position: usize,
    },
    /// An `@` name other than `@user.id`, `@user.roles` and `@now`.
    #[error("unknown variable '{name}' at position {position}; expected @user.id, @user.roles or @now")]
    UnknownVariable {
        /// The variable as written, with its `@`.
        name: String,
        /// Where it starts.
        position: usize,
    },
    /// Something other than what the grammar allows at that point.
    #[error("expected {expected} at position {position}, found {found}")]
    Expected {
        /// What would have been accepted, such as `a value after '>='`.
        expected: String,
        /// The token found instead, quoted, or `end of input`.
        found: String,
        /// Where the token found starts.
        position: usize,
    },
    /// A token after a complete expression, such as a stray `)`.
    #[error("unexpected {found} at position {position}")]
    Unexpected {
        /// The token, quoted.
        found: String,
        /// Where it starts.
        position: usize,
    },
    /// A bare word where a value belongs; text values must be quoted.
    #[error("expected a value at position {position}, found '{text}'; text must be quoted, as in '{text}'")]
    UnquotedText {
        /// The word as written.
        text: String,
        /// Where it starts.
        position: usize,
    },
    /// `null` compared with an operator other than `=` and `!=`.
    #[error(
        "null can only be compared with = or !=, not '{operator}' (at position {position}); use 'is null' or 'is not null'"
    )]
    NullComparison {
        /// The operator used.
        operator: CompareOp,
        /// Where the operator is.
        position: usize,
    },
    /// `null` inside a list or after `has`.
    #[error("null is not allowed {context} (at position {position}); use 'is null' or 'is not null'")]
    NullNotAllowed {
        /// Where null was used, such as `in a list`.
        context: &'static str,
        /// Where the `null` is.
        position: usize,
    },
    /// `@user.roles` (a list) where a single value belongs.
    #[error(
        "@user.roles is a list and cannot be used {context} (at position {position}); use 'in @user.roles'"
    )]
    ListNotAllowed {
        /// Where the list was used, such as `after '='`.
        context: String,
        /// Where `@user.roles` is.
        position: usize,
    },
    /// `[]`: a list needs at least one value.
    #[error("empty list at position {position}; a list needs at least one value")]
    EmptyList {
        /// Where the `[` is.
        position: usize,
    },
    /// A field path with an empty segment or a segment that is not a name.
    #[error(
        "invalid field path '{path}'; a path is names joined by '.', each matching [A-Za-z_][A-Za-z0-9_]*"
    )]
    InvalidFieldPath {
        /// The path as given, segments joined by `.`.
        path: String,
    },
    /// A bracket-form operator name that does not exist.
    #[error(
        "unknown operator '{name}'; valid operators are eq, ne, gt, gte, lt, lte, in, nin, contains, starts_with, ends_with, is_null, has"
    )]
    UnknownBracketOperator {
        /// The name as given.
        name: String,
    },
    /// An empty value for the bracket form's `in` or `nin`.
    #[error("'{operator}' needs a comma-separated list of values, found an empty value")]
    EmptyBracketList {
        /// The operator, `in` or `nin`.
        operator: BracketOperator,
    },
    /// A value of the bracket form's `is_null` other than `true` and `false`.
    #[error("invalid value '{value}' for is_null; expected true or false")]
    InvalidIsNullValue {
        /// The value as given.
        value: String,
    },
}

impl FilterParseError {
    /// The byte offset in the filter text where the problem is, if it has a place.
    ///
    /// # Examples
    ///
    /// ```
    /// use omnera_core::query::parse_filter;
    ///
    /// assert_eq!(parse_filter("(a = 1))").unwrap_err().position(), Some(7));
    /// assert_eq!(parse_filter("  ").unwrap_err().position(), None);
    /// ```
    #[must_use]
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::TooDeep { position, .. }
            | Self::UnexpectedCharacter { position, .. }
            | Self::UnknownOperator { position, .. }
            | Self::UnterminatedString { position }
            | Self::InvalidEscape { position, .. }
            | Self::InvalidNumber { position, .. }
            | Self::UnknownVariable { position, .. }
            | Self::Expected { position, .. }
            | Self::Unexpected { position, .. }
            | Self::UnquotedText { position, .. }
            | Self::NullComparison { position, .. }
            | Self::NullNotAllowed { position, .. }
            | Self::ListNotAllowed { position, .. }
            | Self::EmptyList { position } => Some(*position),
            Self::Empty
            | Self::TooLong { .. }
            | Self::InvalidFieldPath { .. }
            | Self::UnknownBracketOperator { .. }
            | Self::EmptyBracketList { .. }
            | Self::InvalidIsNullValue { .. } => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::query::parse_filter;

    fn message(input: &str) -> String {
        match parse_filter(input) {
            Ok(expr) => panic!("{input:?} parsed as {expr}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn parse_errors_explain_the_problem_and_its_place() {
        for (input, expected) in [
            ("", "empty expression"),
            ("age >= ", "expected a value after '>=' at position 7, found end of input"),
            ("a = 'abc", "unterminated string starting at position 4"),
            ("(a = 1 && b = 2)) ", "unexpected ')' at position 16"),
            ("a == 1", "unknown operator '==' at position 2; did you mean '='?"),
            ("a = 1 and b = 2", "unknown operator 'and' at position 6; did you mean '&&'?"),
            ("(a = 1 OR b = 2)", "unknown operator 'OR' at position 7; did you mean '||'?"),
            ("(a = 1", "expected ')' at position 6, found end of input"),
            ("a = 1 b = 2", "unexpected 'b' at position 6"),
            ("= 1", "expected a field name at position 0, found '='"),
            ("a. = 1", "expected a field name after '.' at position 3, found '='"),
            ("a 1", "expected an operator after 'a' at position 2, found '1'"),
            ("a not [1]", "expected 'in' after 'not' at position 6, found '['"),
            ("a is empty", "expected 'null' or 'not null' after 'is' at position 5, found 'empty'"),
            ("a is not", "expected 'null' after 'is not' at position 8, found end of input"),
            ("a in [1 2]", "expected ',' or ']' in the list at position 8, found '2'"),
            ("a in 'x'", "expected a list ('[...]' or @user.roles) after 'in' at position 5, found 'x'"),
            (
                "status = open",
                "expected a value at position 9, found 'open'; text must be quoted, as in 'open'",
            ),
            ("a = @me", "unknown variable '@me' at position 4; expected @user.id, @user.roles or @now"),
            ("a = 1.", "invalid number '1.' at position 4"),
            ("a # 1", "unexpected character '#' at position 2"),
            (
                "a < null",
                "null can only be compared with = or !=, not '<' (at position 2); use 'is null' or 'is not null'",
            ),
            ("a in []", "empty list at position 5; a list needs at least one value"),
            (
                "a has @user.roles",
                "@user.roles is a list and cannot be used after 'has' (at position 6); use 'in @user.roles'",
            ),
            (r"a = 'x\t'", r#"invalid escape '\t' at position 6; only \', \" and \\ are allowed in strings"#),
        ] {
            assert_eq!(message(input), expected, "{input}");
        }
    }

    #[test]
    fn long_tokens_are_shortened_in_messages() {
        let input = format!("a = 1 '{}'", "x".repeat(100));
        let expected = format!("unexpected '{}... at position 6", "x".repeat(29));
        assert_eq!(message(&input), expected);
    }

    #[test]
    fn limits_are_reported() {
        let long = "a".repeat(5000);
        assert_eq!(message(&long), "expression is too long (5000 bytes; at most 4096 are allowed)");
        let deep = "!".repeat(100);
        assert_eq!(
            message(&deep),
            "expression nests too deeply at position 64 (at most 64 levels of parentheses and '!')"
        );
    }

    #[test]
    fn positions_match_the_messages() {
        assert_eq!(parse_filter("age >= ").unwrap_err().position(), Some(7));
        assert_eq!(parse_filter("").unwrap_err().position(), None);
        let error = FilterParseError::InvalidFieldPath { path: "a..b".to_owned() };
        assert_eq!(error.position(), None);
    }
}
