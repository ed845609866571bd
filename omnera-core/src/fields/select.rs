//! `single-select` and `multi-select`: values from the field's `options`.

use serde_json::Value;

use super::FieldKind;
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::suggest::did_you_mean;
use crate::validate::{ConfigPath, IssueCode};
use crate::{FieldValue, ValueProblem};

pub(super) fn single_options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> FieldKind {
    FieldKind::SingleSelect { options: checked_options(field, path, cx) }
}

pub(super) fn multi_options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> FieldKind {
    let options = checked_options(field, path, cx);
    let max_selections = field.max_selections;
    match max_selections {
        Some(0) => cx.report(
            path.key("maxSelections"),
            IssueCode::OutOfRange,
            "maxSelections must be at least 1".to_owned(),
        ),
        Some(max) if !options.is_empty() && max > options.len() as u64 => {
            let message = format!("maxSelections ({max}) is more than the {} options", options.len());
            cx.report(path.key("maxSelections"), IssueCode::OutOfRange, message);
        }
        _ => {}
    }
    FieldKind::MultiSelect { options, max_selections }
}

fn checked_options(field: &FieldConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) -> Vec<String> {
    let Some(options) = field.options.as_ref() else {
        let message = format!("{} fields need `options`", field.field_type);
        cx.report(path.key("options"), IssueCode::MissingOption, message);
        return Vec::new();
    };
    if options.is_empty() {
        cx.report(
            path.key("options"),
            IssueCode::TooFewItems,
            "`options` needs at least one option".to_owned(),
        );
    }
    for (index, option) in options.iter().enumerate() {
        if option.trim().is_empty() {
            cx.report(
                path.key("options").index(index),
                IssueCode::InvalidLength,
                "an option must not be empty".to_owned(),
            );
        } else if options[..index].contains(option) {
            let message = format!("option `{option}` is listed twice");
            cx.report(path.key("options").index(index), IssueCode::DuplicateValue, message);
        }
    }
    options.clone()
}

fn option_of<'o>(options: &'o [String], value: &Value) -> Result<&'o String, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("one of the options", value));
    };
    options.iter().find(|option| *option == text).ok_or_else(|| {
        let suggestion = did_you_mean(text, options.iter().map(String::as_str));
        ValueProblem::new("not_an_option", format!("`{text}` is not one of the options{suggestion}"))
    })
}

pub(super) fn normalize_one(options: &[String], value: &Value) -> Result<FieldValue, ValueProblem> {
    option_of(options, value).map(|option| FieldValue::Text(option.clone()))
}

pub(super) fn normalize_many(
    options: &[String],
    max_selections: Option<u64>,
    value: &Value,
) -> Result<FieldValue, ValueProblem> {
    let Some(values) = value.as_array() else {
        return Err(ValueProblem::wrong_type("a list of options", value));
    };
    let mut chosen = Vec::with_capacity(values.len());
    for value in values {
        let option = option_of(options, value)?;
        if chosen.contains(&option) {
            return Err(ValueProblem::new("duplicate_value", format!("`{option}` is chosen twice")));
        }
        chosen.push(option);
    }
    if let Some(max) = max_selections.filter(|max| chosen.len() as u64 > *max) {
        return Err(ValueProblem::new("too_many_values", format!("at most {max} options may be chosen")));
    }
    let in_option_order = options.iter().filter(|option| chosen.contains(option)).cloned().collect();
    Ok(FieldValue::Choices(in_option_order))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_order_of_the_options_and_refuses_strangers_and_twins() {
        let options: Vec<String> = ["red", "green", "blue"].map(String::from).to_vec();
        assert_eq!(
            normalize_many(&options, None, &json!(["blue", "red"])),
            Ok(FieldValue::Choices(vec!["red".into(), "blue".into()]))
        );
        assert_eq!(
            normalize_many(&options, None, &json!(["red", "red"])).unwrap_err().code,
            "duplicate_value"
        );
        assert_eq!(
            normalize_many(&options, Some(1), &json!(["red", "blue"])).unwrap_err().code,
            "too_many_values"
        );
        let problem = normalize_one(&options, &json!("gren")).unwrap_err();
        assert_eq!(
            (problem.code, problem.message.as_str()),
            ("not_an_option", "`gren` is not one of the options; did you mean `green`?")
        );
    }
}
