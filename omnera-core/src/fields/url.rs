//! `url`: an absolute http(s) URL.

use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("a URL", value));
    };
    let text = text.trim();
    match url::Url::parse(text) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(FieldValue::Text(text.to_owned()))
        }
        _ => Err(ValueProblem::new("invalid_url", "not an absolute http or https URL")),
    }
}
