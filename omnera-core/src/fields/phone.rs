//! `phone-number`: digits with an optional leading `+`, spaces, `-`, `.`, `()`; 7 to 15 digits.

use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("a phone number", value));
    };
    let text = text.trim();
    let body = text.strip_prefix('+').unwrap_or(text);
    let allowed = body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'));
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(7..=15).contains(&digits) {
        return Err(ValueProblem::new(
            "invalid_phone_number",
            "not a phone number: 7 to 15 digits, with an optional leading +, spaces, -, . and ()",
        ));
    }
    Ok(FieldValue::Text(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_notations_and_refuses_letters_or_short_numbers() {
        for good in ["+1 (555) 010-9999", "030.1234567", " 5550100 "] {
            assert!(normalize(&Value::from(good)).is_ok(), "{good}");
        }
        for bad in ["555-01", "call me", "+1 555 0100 ext 4", "1+5550100"] {
            assert!(normalize(&Value::from(bad)).is_err(), "{bad}");
        }
    }
}
