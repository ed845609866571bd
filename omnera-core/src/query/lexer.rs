//! Splits filter text into tokens, one at a time, on the parser's demand.

use crate::query::{CompareOp, FilterParseError};

/// What a token is. Keywords (`in`, `null`, ...) are names; the parser
/// recognises them by position, so fields may be called `in` or `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*`: a field name or a keyword.
    Name,
    /// A number; its text is the token's source text.
    Number,
    /// A quoted string, escapes resolved.
    String(String),
    // The variables `@user.id`, `@now` and `@user.roles`.
    UserId,
    Now,
    UserRoles,
    Compare(CompareOp),
    // `&&`, `||`, `!`, `(`, `)`, `[`, `]`, `,` and `.`.
    And,
    Or,
    Bang,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Comma,
    Dot,
    /// The end of the input.
    End,
}

/// A token and the byte range of its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Reads tokens from filter text.
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    input: &'a str,
    position: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Lexer { input, position: 0 }
    }

    /// The source text of a token.
    pub(crate) fn text(&self, token: &Token) -> &'a str {
        self.input.get(token.start..token.end).unwrap_or("")
    }

    /// Reads the next token; at the end of the input, an `End` token every time.
    pub(crate) fn next_token(&mut self) -> Result<Token, FilterParseError> {
        let rest = self.rest();
        self.position += rest.len() - rest.trim_start().len();
        let start = self.position;
        let mut upcoming = self.rest().chars();
        let Some(first) = upcoming.next() else {
            return Ok(Token { kind: TokenKind::End, start, end: start });
        };
        let second = upcoming.next();
        let unknown = |operator: &str, suggestion| FilterParseError::UnknownOperator {
            operator: operator.to_owned(),
            suggestion,
            position: start,
        };
        let (kind, length) = match (first, second) {
            ('(', _) => (TokenKind::OpenParen, 1),
            (')', _) => (TokenKind::CloseParen, 1),
            ('[', _) => (TokenKind::OpenBracket, 1),
            (']', _) => (TokenKind::CloseBracket, 1),
            (',', _) => (TokenKind::Comma, 1),
            ('.', _) => (TokenKind::Dot, 1),
            ('&', Some('&')) => (TokenKind::And, 2),
            ('|', Some('|')) => (TokenKind::Or, 2),
            ('=', Some('=')) => return Err(unknown("==", "=")),
            ('=', Some('~')) => return Err(unknown("=~", "~")),
            ('=', _) => (TokenKind::Compare(CompareOp::Eq), 1),
            ('!', Some('=')) => (TokenKind::Compare(CompareOp::Ne), 2),
            ('!', Some('~')) => (TokenKind::Compare(CompareOp::NotContains), 2),
            ('!', _) => (TokenKind::Bang, 1),
            ('>', Some('=')) => (TokenKind::Compare(CompareOp::Gte), 2),
            ('>', _) => (TokenKind::Compare(CompareOp::Gt), 1),
            ('<', Some('=')) => (TokenKind::Compare(CompareOp::Lte), 2),
            ('<', Some('>')) => return Err(unknown("<>", "!=")),
            ('<', _) => (TokenKind::Compare(CompareOp::Lt), 1),
            ('~', _) => (TokenKind::Compare(CompareOp::Contains), 1),
            ('^', Some('~')) => (TokenKind::Compare(CompareOp::StartsWith), 2),
            ('$', Some('~')) => (TokenKind::Compare(CompareOp::EndsWith), 2),
            ('&', _) => return Err(unknown("&", "&&")),
            ('|', _) => return Err(unknown("|", "||")),
            ('^', _) => return Err(unknown("^", "^~")),
            ('$', _) => return Err(unknown("$", "$~")),
            ('\'' | '"', _) => return self.string(first, start),
            ('@', _) => return self.variable(start),
            ('-' | '0'..='9', _) => return self.number(start),
            (character, _) if character == '_' || character.is_ascii_alphabetic() => {
                (TokenKind::Name, word_length(self.rest()))
            }
            (character, _) => {
                return Err(FilterParseError::UnexpectedCharacter { character, position: start });
            }
        };
        self.position = start + length;
        Ok(Token { kind, start, end: self.position })
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.position..).unwrap_or("")
    }

    /// Reads a string whose opening quote is at `start`.
    fn string(&mut self, quote: char, start: usize) -> Result<Token, FilterParseError> {
        let body_start = start + quote.len_utf8();
        let mut value = String::new();
        let mut characters = self.input.get(body_start..).unwrap_or("").char_indices();
        while let Some((offset, character)) = characters.next() {
            if character == quote {
                self.position = body_start + offset + quote.len_utf8();
                let kind = TokenKind::String(value);
                return Ok(Token { kind, start, end: self.position });
            }
            if character != '\\' {
                value.push(character);
                continue;
            }
            match characters.next() {
                Some((_, escaped @ ('\'' | '"' | '\\'))) => value.push(escaped),
                Some((_, escape)) => {
                    let position = body_start + offset;
                    return Err(FilterParseError::InvalidEscape { escape, position });
                }
                None => break,
            }
        }
        Err(FilterParseError::UnterminatedString { position: start })
    }

    /// Reads a variable whose `@` is at `start`.
    fn variable(&mut self, start: usize) -> Result<Token, FilterParseError> {
        let name_start = start + 1;
        let name = self.input.get(name_start..).unwrap_or("");
        let length = name
            .bytes()
            .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.'))
            .count();
        let name = name.get(..length).unwrap_or("");
        let kind = if name.eq_ignore_ascii_case("user.id") {
            TokenKind::UserId
        } else if name.eq_ignore_ascii_case("user.roles") {
            TokenKind::UserRoles
        } else if name.eq_ignore_ascii_case("now") {
            TokenKind::Now
        } else {
            let name = format!("@{name}");
            return Err(FilterParseError::UnknownVariable { name, position: start });
        };
        self.position = name_start + length;
        Ok(Token { kind, start, end: self.position })
    }

    /// Reads a number starting at `start` (a digit or `-`).
    fn number(&mut self, start: usize) -> Result<Token, FilterParseError> {
        let bytes = self.input.as_bytes();
        let Some(end) = scan_number(bytes, start) else {
            let position = start;
            return Err(FilterParseError::UnexpectedCharacter { character: '-', position });
        };
        // A number directly followed by a letter, digit, `_` or `.` is one
        // malformed word such as `12ab` or `1.`, not two tokens.
        let trailing = bytes
            .get(end..)
            .unwrap_or_default()
            .iter()
            .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.'))
            .count();
        if trailing > 0 {
            let text = self.input.get(start..end + trailing).unwrap_or("").to_owned();
            return Err(FilterParseError::InvalidNumber { text, position: start });
        }
        self.position = end;
        Ok(Token { kind: TokenKind::Number, start, end })
    }
}

/// The length of the run of name characters at the start of `text`.
fn word_length(text: &str) -> usize {
    text.bytes().take_while(|byte| byte.is_ascii_alphanumeric() || *byte == b'_').count()
}

/// Whether `text` is a name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_name(text: &str) -> bool {
    text.bytes().next().is_some_and(|first| first == b'_' || first.is_ascii_alphabetic())
        && word_length(text) == text.len()
}

/// Where the longest number starting at `start` ends: an optional `-`,
/// digits, then optionally `.` and digits, then optionally `e` or `E`, a sign
/// and digits. `None` if there are no digits where the number must start.
pub(crate) fn scan_number(bytes: &[u8], start: usize) -> Option<usize> {
    let digits = |from: usize| {
        bytes.get(from..).unwrap_or_default().iter().take_while(|byte| byte.is_ascii_digit()).count()
    };
    let mut end = start + usize::from(bytes.get(start) == Some(&b'-'));
    let integer = digits(end);
    if integer == 0 {
        return None;
    }
    end += integer;
    if bytes.get(end) == Some(&b'.') {
        let fraction = digits(end + 1);
        if fraction > 0 {
            end += 1 + fraction;
        }
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        let exponent = digits(end + 1 + sign);
        if exponent > 0 {
            end += 1 + sign + exponent;
        }
    }
    Some(end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The tokens of `input`, space-separated (names and numbers with their
    /// text), or the message of the first error.
    fn show(input: &str) -> String {
        let mut lexer = Lexer::new(input);
        let mut shown = Vec::new();
        loop {
            let token = match lexer.next_token() {
                Ok(token) => token,
                Err(error) => return format!("error: {error}"),
            };
            match token.kind {
                TokenKind::End => return shown.join(" "),
                TokenKind::Name | TokenKind::Number => {
                    shown.push(format!("{:?}({})", token.kind, lexer.text(&token)));
                }
                _ => shown.push(format!("{:?}", token.kind)),
            }
        }
    }

    #[test]
    fn comparison_operators() {
        for op in CompareOp::ALL {
            assert_eq!(show(op.symbol()), format!("Compare({op:?})"));
        }
    }

    #[test]
    fn tokens_of_valid_text() {
        for (input, expected) in [
            ("&& || ! ( ) [ ] , .", "And Or Bang OpenParen CloseParen OpenBracket CloseBracket Comma Dot"),
            ("!!a!=b", "Bang Bang Name(a) Compare(Ne) Name(b)"),
            ("a_1.B>=-12.5e+3", "Name(a_1) Dot Name(B) Compare(Gte) Number(-12.5e+3)"),
            ("x<7,0E9]", "Name(x) Compare(Lt) Number(7) Comma Number(0E9) CloseBracket"),
            ("@USER.id @now @user.roles", "UserId Now UserRoles"),
            (r#"'it\'s' "say \"hi\"""#, r#"String("it's") String("say \"hi\"")"#),
            (
                r#"'a\\b' '"' "'" '' 'é%_'"#,
                r#"String("a\\b") String("\"") String("'") String("") String("é%_")"#,
            ),
        ] {
            assert_eq!(show(input), expected, "{input}");
        }
    }

    #[test]
    fn errors_of_invalid_text() {
        for (input, expected) in [
            ("a = 'abc", "unterminated string starting at position 4"),
            (r"'abc\", "unterminated string starting at position 0"),
            (r#""abc'"#, "unterminated string starting at position 0"),
            (r"'a\nb'", "invalid escape '\\n' at position 2; only \\', \\\" and \\\\ are allowed in strings"),
            ("1.", "invalid number '1.' at position 0"),
            ("12ab", "invalid number '12ab' at position 0"),
            ("1.2.3", "invalid number '1.2.3' at position 0"),
            ("1e+", "invalid number '1e' at position 0"),
            ("a -b", "unexpected character '-' at position 2"),
            ("a é", "unexpected character 'é' at position 2"),
            ("a#", "unexpected character '#' at position 1"),
            (
                "a = @user.name",
                "unknown variable '@user.name' at position 4; expected @user.id, @user.roles or @now",
            ),
            ("@", "unknown variable '@' at position 0; expected @user.id, @user.roles or @now"),
        ] {
            assert_eq!(show(input), format!("error: {expected}"), "{input}");
        }
    }

    #[test]
    fn unknown_operators_suggest_the_right_one() {
        for (input, operator, suggestion) in [
            ("a == 1", "==", "="),
            ("a =~ 'x'", "=~", "~"),
            ("a <> 1", "<>", "!="),
            ("a & b", "&", "&&"),
            ("a | b", "|", "||"),
            ("a ^ 'x'", "^", "^~"),
            ("a $ 'x'", "$", "$~"),
        ] {
            let expected =
                format!("unknown operator '{operator}' at position 2; did you mean '{suggestion}'?");
            assert_eq!(show(input), format!("error: {expected}"), "{input}");
        }
    }

    #[test]
    fn whitespace_and_end() {
        let mut lexer = Lexer::new(" \t\n a \r\n");
        let name = Token { kind: TokenKind::Name, start: 4, end: 5 };
        assert_eq!(lexer.next_token(), Ok(name));
        let end = Token { kind: TokenKind::End, start: 8, end: 8 };
        assert_eq!(lexer.next_token(), Ok(end.clone()));
        assert_eq!(lexer.next_token(), Ok(end));
    }
}
