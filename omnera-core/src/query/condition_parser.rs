//! The part of the parser that reads conditions: `path op value` and friends.

use crate::query::lexer::TokenKind;
use crate::query::parser::Parser;
use crate::query::{
    CompareOp, Condition, FieldPath, FilterList, FilterNumber, FilterParseError, FilterValue, Predicate,
};

/// A value, or the `null` that only some places accept.
enum Operand {
    Value(FilterValue),
    Null { position: usize },
}

impl Parser<'_> {
    /// `comparison := path predicate`
    pub(in crate::query) fn condition(&mut self) -> Result<Condition, FilterParseError> {
        let path = self.path()?;
        let predicate = self.predicate(&path)?;
        Ok(Condition { path, predicate })
    }

    /// `path := name ( "." name )*`
    fn path(&mut self) -> Result<FieldPath, FilterParseError> {
        let mut segments = vec![self.name("a field name")?];
        while self.current.kind == TokenKind::Dot {
            self.advance()?;
            segments.push(self.name("a field name after '.'")?);
        }
        Ok(FieldPath::from_checked(segments))
    }

    fn name(&mut self, expected: &str) -> Result<String, FilterParseError> {
        if self.current.kind != TokenKind::Name {
            return Err(self.expected(expected));
        }
        let token = self.advance()?;
        Ok(self.lexer.text(&token).to_owned())
    }

    /// Everything of a comparison after the path.
    fn predicate(&mut self, path: &FieldPath) -> Result<Predicate, FilterParseError> {
        if let TokenKind::Compare(op) = self.current.kind {
            let op_position = self.advance()?.start;
            return match self.operand(&format!("after '{op}'"))? {
                Operand::Value(value) => Ok(Predicate::Compare { op, value }),
                Operand::Null { .. } => match op {
                    CompareOp::Eq => Ok(Predicate::IsNull { negated: false }),
                    CompareOp::Ne => Ok(Predicate::IsNull { negated: true }),
                    _ => Err(FilterParseError::NullComparison { operator: op, position: op_position }),
                },
            };
        }
        if self.at_keyword("in") {
            self.advance()?;
            let list = self.list("after 'in'")?;
            return Ok(Predicate::In { negated: false, list });
        }
        if self.at_keyword("not") {
            self.advance()?;
            if !self.at_keyword("in") {
                return Err(self.expected("'in' after 'not'"));
            }
            self.advance()?;
            let list = self.list("after 'not in'")?;
            return Ok(Predicate::In { negated: true, list });
        }
        if self.at_keyword("has") {
            self.advance()?;
            return match self.operand("after 'has'")? {
                Operand::Value(value) => Ok(Predicate::Has(value)),
                Operand::Null { position } => {
                    Err(FilterParseError::NullNotAllowed { context: "after 'has'", position })
                }
            };
        }
        if self.at_keyword("is") {
            self.advance()?;
            let negated = self.at_keyword("not");
            if negated {
                self.advance()?;
            }
            if !self.at_keyword("null") {
                let expected =
                    if negated { "'null' after 'is not'" } else { "'null' or 'not null' after 'is'" };
                return Err(self.expected(expected));
            }
            self.advance()?;
            return Ok(Predicate::IsNull { negated });
        }
        Err(self.expected(format!("an operator after '{path}'")))
    }

    /// `value`, or `null`; `context` says where, as in `after '>='`.
    fn operand(&mut self, context: &str) -> Result<Operand, FilterParseError> {
        let position = self.current.start;
        let operand = match &self.current.kind {
            TokenKind::String(text) => Operand::Value(FilterValue::String(text.clone())),
            TokenKind::Number => {
                Operand::Value(FilterValue::Number(FilterNumber::from_checked(self.current_text())))
            }
            TokenKind::UserId => Operand::Value(FilterValue::UserId),
            TokenKind::Now => Operand::Value(FilterValue::Now),
            TokenKind::UserRoles => {
                let context = context.to_owned();
                return Err(FilterParseError::ListNotAllowed { context, position });
            }
            TokenKind::Name => {
                let word = self.current_text();
                if word.eq_ignore_ascii_case("true") {
                    Operand::Value(FilterValue::Bool(true))
                } else if word.eq_ignore_ascii_case("false") {
                    Operand::Value(FilterValue::Bool(false))
                } else if word.eq_ignore_ascii_case("null") {
                    Operand::Null { position }
                } else {
                    return Err(FilterParseError::UnquotedText { text: word.to_owned(), position });
                }
            }
            _ => return Err(self.expected(format!("a value {context}"))),
        };
        self.advance()?;
        Ok(operand)
    }

    /// `list := "[" value ( "," value )* "]" | "@user.roles"`
    fn list(&mut self, context: &str) -> Result<FilterList, FilterParseError> {
        match self.current.kind {
            TokenKind::UserRoles => {
                self.advance()?;
                Ok(FilterList::UserRoles)
            }
            TokenKind::OpenBracket => {
                let open = self.advance()?;
                if self.current.kind == TokenKind::CloseBracket {
                    return Err(FilterParseError::EmptyList { position: open.start });
                }
                let mut values = Vec::new();
                loop {
                    match self.operand("in a list")? {
                        Operand::Value(value) => values.push(value),
                        Operand::Null { position } => {
                            let context = "in a list";
                            return Err(FilterParseError::NullNotAllowed { context, position });
                        }
                    }
                    match self.current.kind {
                        TokenKind::Comma => self.advance()?,
                        TokenKind::CloseBracket => {
                            self.advance()?;
                            return Ok(FilterList::Values(values));
                        }
                        _ => return Err(self.expected("',' or ']' in the list")),
                    };
                }
            }
            _ => Err(self.expected(format!("a list ('[...]' or @user.roles) {context}"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::query::{
        CompareOp, Condition, FilterExpr, FilterParseError, FilterValue, Predicate, parse_filter,
    };

    fn parse_condition(input: &str) -> Condition {
        match parse_filter(input) {
            Ok(FilterExpr::Condition(condition)) => condition,
            other => panic!("{input:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn conditions_print_back_in_canonical_form() {
        for (input, printed) in [
            ("name ~ \"O'Brien\"", r"name ~ 'O\'Brien'"),
            ("a IN [1,'x' ,TRUE]", "a in [1, 'x', true]"),
            ("a Not In @USER.ROLES", "a not in @user.roles"),
            ("tags HAS 'x'", "tags has 'x'"),
            ("owner = @user.id", "owner = @user.id"),
            ("due < @NOW", "due < @now"),
            ("a IS NOT NULL", "a is not null"),
            ("a.b.c is null", "a.b.c is null"),
            ("in in [false]", "in in [false]"),
            ("is is not null", "is is not null"),
            ("not not in [2]", "not not in [2]"),
            ("null = false", "null = false"),
        ] {
            assert_eq!(parse_condition(input).to_string(), printed, "{input}");
        }
    }

    #[test]
    fn conditions_keep_their_parts() {
        let condition = parse_condition("customer.address.city $~ '%on_'");
        assert_eq!(condition.path.segments(), ["customer", "address", "city"]);
        let value = FilterValue::String("%on_".to_owned());
        let op = CompareOp::EndsWith;
        assert_eq!(condition.predicate, Predicate::Compare { op, value });
        let condition = parse_condition("price <= 12.50");
        let Predicate::Compare { value: FilterValue::Number(number), .. } = condition.predicate else {
            panic!("expected a number in {condition:?}");
        };
        assert_eq!(number.as_str(), "12.50");
    }

    #[test]
    fn null_is_normalised_or_rejected() {
        let condition = parse_condition("a != null");
        assert_eq!(condition.predicate, Predicate::IsNull { negated: true });
        let condition = parse_condition("a = NULL");
        assert_eq!(condition.predicate, Predicate::IsNull { negated: false });
        let error = parse_filter("a > null").unwrap_err();
        let operator = CompareOp::Gt;
        assert_eq!(error, FilterParseError::NullComparison { operator, position: 2 });
        let error = parse_filter("a in [1, null]").unwrap_err();
        assert!(matches!(error, FilterParseError::NullNotAllowed { position: 9, .. }));
        let error = parse_filter("a has null").unwrap_err();
        assert!(matches!(error, FilterParseError::NullNotAllowed { position: 6, .. }));
    }

    #[test]
    fn lists_need_values() {
        let error = parse_filter("a in []").unwrap_err();
        assert_eq!(error, FilterParseError::EmptyList { position: 5 });
        let error = parse_filter("a in [1,]").unwrap_err();
        assert!(matches!(error, FilterParseError::Expected { position: 8, .. }));
        let error = parse_filter("a in 1").unwrap_err();
        assert!(matches!(error, FilterParseError::Expected { position: 5, .. }));
        let error = parse_filter("a = @user.roles").unwrap_err();
        assert!(matches!(error, FilterParseError::ListNotAllowed { position: 4, .. }));
        let error = parse_filter("a in [@user.roles]").unwrap_err();
        assert!(matches!(error, FilterParseError::ListNotAllowed { position: 6, .. }));
    }
}
