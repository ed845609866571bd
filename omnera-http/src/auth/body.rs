//! Reading the small JSON bodies of the auth routes: only the expected keys, text values, and
//! every problem reported at once.

use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorKind, FieldError};

/// A JSON object body being read; problems pile up until [`AuthBody::finish`].
pub(super) struct AuthBody<'a> {
    object: &'a Map<String, Value>,
    problems: Vec<FieldError>,
}

impl<'a> AuthBody<'a> {
    /// The body as an object with only `allowed` keys; `shape` says what to send instead.
    pub(super) fn read(body: &'a Value, allowed: &[&str], shape: &str) -> Result<Self, ApiError> {
        let object =
            body.as_object().ok_or_else(|| ApiError::new(ErrorKind::InvalidJson, format!("send {shape}")))?;
        let problems = object
            .keys()
            .filter(|key| !allowed.contains(&key.as_str()))
            .map(|key| FieldError::new(key.as_str(), "unknown_field", "is not expected here"))
            .collect();
        Ok(Self { object, problems })
    }

    /// A text value, if present; anything else is a problem.
    pub(super) fn optional_text(&mut self, key: &str) -> Option<String> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.problem(key, "invalid_type", "is text");
                None
            }
        }
    }

    /// A text value that must be present and not blank.
    pub(super) fn required_text(&mut self, key: &str) -> String {
        let text = self.optional_text(key).unwrap_or_default();
        if text.trim().is_empty() && !self.has_problem(key) {
            self.problem(key, "required", "is required");
        }
        text
    }

    /// The raw value of a key.
    pub(super) fn value(&self, key: &str) -> Option<&'a Value> {
        self.object.get(key)
    }

    /// Notes a problem with a key.
    pub(super) fn problem(&mut self, key: &str, code: &str, message: impl Into<String>) {
        self.problems.push(FieldError::new(key, code, message));
    }

    /// Notes the problems a core service found, unless their keys have problems already.
    pub(super) fn problems(&mut self, found: Vec<omnera_core::record::FieldProblem>) {
        for problem in found {
            if !self.has_problem(&problem.field) {
                self.problems.push(FieldError::from(problem));
            }
        }
    }

    /// Whether a key already has a problem.
    pub(super) fn has_problem(&self, key: &str) -> bool {
        self.problems.iter().any(|problem| problem.field == key)
    }

    /// A 422 with every problem, if there were any.
    pub(super) fn finish(self) -> Result<(), ApiError> {
        if self.problems.is_empty() { Ok(()) } else { Err(ApiError::invalid_fields(self.problems)) }
    }
}
