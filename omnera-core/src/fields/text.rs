//! `single-line-text` and `long-text`.

use serde_json::Value;

use super::FieldKind;
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

/// The default `maxLength` of `single-line-text`.
const SINGLE_LINE_MAX_LENGTH: u64 = 255;

pub(super) fn single_line_options(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> FieldKind {
    let max_length = checked_max_length(field, path, cx).unwrap_or(SINGLE_LINE_MAX_LENGTH);
    FieldKind::SingleLineText { max_length }
}

pub(super) fn long_text_options(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> FieldKind {
    FieldKind::LongText { max_length: checked_max_length(field, path, cx) }
}

fn checked_max_length(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> Option<u64> {
    match field.max_length? {
        0 => {
            cx.report(
                path.key("maxLength"),
                IssueCode::OutOfRange,
                "maxLength must be at least 1".to_owned(),
            );
            None
        }
        length => Some(length),
    }
}

/// Refuses text holding a NUL character: PostgreSQL cannot store one in text, so no database
/// does, and every kind's string values are checked before their own rules.
pub(super) fn refuse_nul(text: &str) -> Result<(), ValueProblem> {
    if text.contains('\0') {
        return Err(ValueProblem::new("contains_nul", "contains a NUL character, which text cannot hold"));
    }
    Ok(())
}

pub(super) fn normalize(
    value: &Value,
    max_length: Option<u64>,
    multiline: bool,
) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("text", value));
    };
    if !multiline && text.contains(['\n', '\r']) {
        return Err(ValueProblem::new("line_break", "must be a single line"));
    }
    let length = text.chars().count() as u64;
    if let Some(max_length) = max_length.filter(|max| length > *max) {
        return Err(ValueProblem::new(
            "too_long",
            format!("is {length} characters long; the most is {max_length}"),
        ));
    }
    Ok(FieldValue::Text(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::FieldKind;

    #[test]
    fn no_kind_takes_text_with_a_nul_character() {
        for kind in [
            FieldKind::SingleLineText { max_length: 255 },
            FieldKind::LongText { max_length: None },
            FieldKind::Url,
            FieldKind::Email,
            FieldKind::SingleSelect { options: vec!["a\0b".to_owned()] },
        ] {
            assert_eq!(kind.normalize(&json!("a\0b")).unwrap_err().code, "contains_nul", "{kind:?}");
        }
        assert!(FieldKind::LongText { max_length: None }.normalize(&json!("a\u{1}b")).is_ok());
    }
}
