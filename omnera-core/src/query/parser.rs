//! The recursive-descent parser of filter expressions.

use std::str::FromStr;

use crate::query::lexer::{Lexer, Token, TokenKind};
use crate::query::{FilterExpr, FilterParseError};

/// The longest filter text accepted, in bytes.
pub const MAX_FILTER_LENGTH: usize = 4096;

/// How deeply parentheses and `!` may nest; each `(` and each `!` is a level.
pub const MAX_NESTING_DEPTH: usize = 64;

/// How many characters of a token an error message quotes.
const QUOTED_TOKEN_CHARS: usize = 30;

/// Parses a filter expression into its normal-form tree.
///
/// See the [module documentation](crate::query) for the language.
///
/// # Errors
///
/// A [`FilterParseError`] naming the first problem and, where it has one, its
/// byte offset.
///
/// # Examples
///
/// ```
/// use omnera_core::query::{FilterExpr, Predicate, parse_filter};
///
/// let filter = parse_filter("deleted_at = null")?;
/// let FilterExpr::Condition(condition) = &filter else { unreachable!() };
/// assert_eq!(condition.predicate, Predicate::IsNull { negated: false });
/// assert_eq!(filter.to_string(), "deleted_at is null");
///
/// let error = parse_filter("(a = 1))").unwrap_err();
/// assert_eq!(error.to_string(), "unexpected ')' at position 7");
/// # Ok::<(), omnera_core::query::FilterParseError>(())
/// ```
pub fn parse_filter(input: &str) -> Result<FilterExpr, FilterParseError> {
    if input.len() > MAX_FILTER_LENGTH {
        return Err(FilterParseError::TooLong { length: input.len(), limit: MAX_FILTER_LENGTH });
    }
    let mut parser = Parser::new(input)?;
    if parser.current.kind == TokenKind::End {
        return Err(FilterParseError::Empty);
    }
    let expr = parser.expression()?;
    if parser.current.kind == TokenKind::End { Ok(expr) } else { Err(parser.misplaced_token(None)) }
}

impl FromStr for FilterExpr {
    type Err = FilterParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        parse_filter(input)
    }
}

/// The parser's state. This file parses the junctions, negations and
/// parentheses; `condition_parser.rs` parses the conditions.
pub(in crate::query) struct Parser<'a> {
    pub(in crate::query) lexer: Lexer<'a>,
    /// The next token, not yet consumed.
    pub(in crate::query) current: Token,
    /// How many `(` and `!` enclose the current token.
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Result<Self, FilterParseError> {
        let mut lexer = Lexer::new(input);
        let current = lexer.next_token()?;
        Ok(Parser { lexer, current, depth: 0 })
    }

    /// Consumes the current token and returns it.
    pub(in crate::query) fn advance(&mut self) -> Result<Token, FilterParseError> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.current, next))
    }

    pub(in crate::query) fn current_text(&self) -> &'a str {
        self.lexer.text(&self.current)
    }

    pub(in crate::query) fn at_keyword(&self, keyword: &str) -> bool {
        self.current.kind == TokenKind::Name && self.current_text().eq_ignore_ascii_case(keyword)
    }

    /// The current token for an error message: quoted, or `end of input`.
    fn describe_current(&self) -> String {
        if self.current.kind == TokenKind::End {
            return "end of input".to_owned();
        }
        let text = self.current_text();
        let shortened = if text.chars().count() > QUOTED_TOKEN_CHARS {
            let start: String = text.chars().take(QUOTED_TOKEN_CHARS).collect();
            format!("{start}...")
        } else {
            text.to_owned()
        };
        // A string token shows its own quotes.
        match self.current.kind {
            TokenKind::String(_) => shortened,
            _ => format!("'{shortened}'"),
        }
    }

    pub(in crate::query) fn expected(&self, expected: impl Into<String>) -> FilterParseError {
        FilterParseError::Expected {
            expected: expected.into(),
            found: self.describe_current(),
            position: self.current.start,
        }
    }

    /// The error for a token after a complete expression, where `closing`
    /// (if any) or the end of the input was due.
    fn misplaced_token(&self, closing: Option<&str>) -> FilterParseError {
        let text = self.current_text();
        let suggestion = match self.current.kind {
            TokenKind::Name if text.eq_ignore_ascii_case("and") => Some("&&"),
            TokenKind::Name if text.eq_ignore_ascii_case("or") => Some("||"),
            _ => None,
        };
        match (suggestion, closing) {
            (Some(suggestion), _) => FilterParseError::UnknownOperator {
                operator: text.to_owned(),
                suggestion,
                position: self.current.start,
            },
            (None, Some(closing)) => self.expected(closing),
            (None, None) => {
                FilterParseError::Unexpected { found: self.describe_current(), position: self.current.start }
            }
        }
    }

    /// `expr := and ( "||" and )*`
    fn expression(&mut self) -> Result<FilterExpr, FilterParseError> {
        let mut children = vec![self.conjunction()?];
        while self.current.kind == TokenKind::Or {
            self.advance()?;
            children.push(self.conjunction()?);
        }
        Ok(FilterExpr::or(children))
    }

    /// `and := unary ( "&&" unary )*`
    fn conjunction(&mut self) -> Result<FilterExpr, FilterParseError> {
        let mut children = vec![self.unary()?];
        while self.current.kind == TokenKind::And {
            self.advance()?;
            children.push(self.unary()?);
        }
        Ok(FilterExpr::and(children))
    }

    /// `unary := "!" unary | "(" expr ")" | comparison`
    fn unary(&mut self) -> Result<FilterExpr, FilterParseError> {
        match self.current.kind {
            TokenKind::Bang => {
                self.enter_level()?;
                self.advance()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(FilterExpr::Not(Box::new(inner)))
            }
            TokenKind::OpenParen => {
                self.enter_level()?;
                self.advance()?;
                let inner = self.expression()?;
                if self.current.kind != TokenKind::CloseParen {
                    return Err(self.misplaced_token(Some("')'")));
                }
                self.advance()?;
                self.depth -= 1;
                Ok(inner)
            }
            _ => self.condition().map(FilterExpr::Condition),
        }
    }

    fn enter_level(&mut self) -> Result<(), FilterParseError> {
        if self.depth >= MAX_NESTING_DEPTH {
            return Err(FilterParseError::TooDeep { position: self.current.start, limit: MAX_NESTING_DEPTH });
        }
        self.depth += 1;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn parse(input: &str) -> FilterExpr {
        parse_filter(input).unwrap_or_else(|error| panic!("{input:?} failed: {error}"))
    }

    #[test]
    fn texts_print_back_in_canonical_form() {
        for (input, printed) in [
            ("a=1", "a = 1"),
            ("  a  >=  -1.50e3  ", "a >= -1.50e3"),
            ("a = 1 && b = 2 || c = 3", "a = 1 && b = 2 || c = 3"),
            ("a = 1 && (b = 2 || c = 3)", "a = 1 && (b = 2 || c = 3)"),
            ("a = 1 || (b = 2 && c = 3)", "a = 1 || b = 2 && c = 3"),
            ("((a = 1))", "a = 1"),
            ("!a = 1 && b = 2", "!(a = 1) && b = 2"),
            ("!!(a = 1 || b = 2)", "!!(a = 1 || b = 2)"),
            ("a = null || b != NULL", "a is null || b is not null"),
        ] {
            assert_eq!(parse(input).to_string(), printed, "{input}");
        }
    }

    #[test]
    fn junctions_are_flattened() {
        let expr = parse("a = 1 && (b = 2 && (c = 3 && d = 4))");
        assert!(matches!(&expr, FilterExpr::And(children) if children.len() == 4));
        let expr = parse("(a = 1 || b = 2) || (c = 3 && d = 4)");
        let FilterExpr::Or(children) = expr else {
            panic!("expected an Or, got {expr:?}");
        };
        assert_eq!(children.len(), 3);
        assert!(matches!(children[2], FilterExpr::And(_)));
    }

    #[test]
    fn length_is_limited() {
        let at_limit = format!("a = '{}'", "x".repeat(MAX_FILTER_LENGTH - 6));
        assert!(parse_filter(&at_limit).is_ok());
        let error = parse_filter(&format!("{at_limit} ")).unwrap_err();
        assert_eq!(error, FilterParseError::TooLong { length: 4097, limit: 4096 });
    }

    #[test]
    fn depth_is_limited() {
        let nested = |depth: usize| format!("{}a = 1{}", "(".repeat(depth), ")".repeat(depth));
        assert!(parse_filter(&nested(MAX_NESTING_DEPTH)).is_ok());
        let error = parse_filter(&nested(MAX_NESTING_DEPTH + 1)).unwrap_err();
        assert_eq!(error, FilterParseError::TooDeep { position: 64, limit: 64 });
        let negations = |depth: usize| format!("{}a = 1", "!".repeat(depth));
        assert!(parse_filter(&negations(MAX_NESTING_DEPTH)).is_ok());
        let error = parse_filter(&negations(MAX_NESTING_DEPTH + 1)).unwrap_err();
        assert!(matches!(error, FilterParseError::TooDeep { .. }));
        let error = parse_filter(&"(".repeat(MAX_FILTER_LENGTH)).unwrap_err();
        assert!(matches!(error, FilterParseError::TooDeep { .. }));
        // Depth counts enclosing levels, not levels seen so far.
        let siblings = vec!["(a = 1)"; 100].join(" && ");
        assert!(parse_filter(&siblings).is_ok());
    }

    #[test]
    fn from_str_is_parse_filter() {
        assert_eq!("a = 1".parse::<FilterExpr>(), parse_filter("a = 1"));
        assert_eq!(" \n ".parse::<FilterExpr>(), Err(FilterParseError::Empty));
    }
}
