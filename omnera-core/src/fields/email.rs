//! `email`: a valid address, its domain lower-cased.

use std::str::FromStr;

use email_address::EmailAddress;
use serde_json::Value;

use crate::{FieldValue, ValueProblem};

pub(super) fn normalize(value: &Value) -> Result<FieldValue, ValueProblem> {
    let Some(text) = value.as_str() else {
        return Err(ValueProblem::wrong_type("an email address", value));
    };
    normalize_address(text.trim()).map(FieldValue::Text)
}

/// The address with its domain in lower case, if it is valid.
pub(crate) fn normalize_address(address: &str) -> Result<String, ValueProblem> {
    let invalid = || ValueProblem::new("invalid_email", "not a valid email address");
    let parsed = EmailAddress::from_str(address).map_err(|_| invalid())?;
    if !parsed.domain().contains('.') || parsed.domain().starts_with('[') {
        return Err(invalid());
    }
    Ok(format!("{}@{}", parsed.local_part(), parsed.domain().to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_the_domain_only_and_refuses_junk() {
        assert_eq!(normalize_address("Ann.Lee@Example.COM"), Ok("Ann.Lee@example.com".to_owned()));
        assert!(normalize_address("ann").is_err());
        assert!(normalize_address("ann@localhost").is_err());
        assert!(normalize_address("ann@@example.com").is_err());
    }
}
