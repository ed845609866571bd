//! `date`: a real calendar date written `YYYY-MM-DD`.

use chrono::NaiveDate;
use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("a date written YYYY-MM-DD", value));
    };
    let well_formed =
        text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') && text.as_bytes().get(7) == Some(&b'-');
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) if well_formed => Ok(FieldValue::Date(date)),
        _ => Err(ValueProblem::new(
            "invalid_date",
            format!("`{text}` is not a calendar date written YYYY-MM-DD"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_days_that_do_not_exist() {
        assert!(normalize(&Value::from("2024-02-29")).is_ok());
        assert_eq!(normalize(&Value::from("2024-02-30")).unwrap_err().code, "invalid_date");
        assert_eq!(normalize(&Value::from("2024-2-3")).unwrap_err().code, "invalid_date");
    }
}
