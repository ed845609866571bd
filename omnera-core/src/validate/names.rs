//! Naming rules: identifiers, URL-safe names, ids, and uniqueness within a scope.

use std::collections::HashSet;

use super::context::CheckContext;
use super::{ConfigPath, IssueCode};

/// The fields every record has and no config may declare.
pub(crate) const SYSTEM_FIELDS: [&str; 3] = ["id", "created_at", "updated_at"];

/// The largest id: 2^53 - 1, exact in every JSON reader.
const MAX_ID: i64 = (1 << 53) - 1;

/// The longest identifier: PostgreSQL's limit.
const MAX_IDENTIFIER_LENGTH: usize = 63;

/// The longest URL-safe name.
const MAX_SLUG_LENGTH: usize = 100;

pub(crate) fn is_system_field(name: &str) -> bool {
    SYSTEM_FIELDS.contains(&name)
}

/// Checks a table, field or index name: `^[a-z][a-z0-9_]*$`, at most 63 characters.
pub(crate) fn check_identifier(name: &str, what: &str, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    if name.starts_with('_') {
        let message =
            format!("{what} names must not start with `_`: the engine keeps those for its own tables");
        cx.report(path.clone(), IssueCode::ReservedName, message);
        return;
    }
    let mut characters = name.chars();
    let well_formed = characters.next().is_some_and(|first| first.is_ascii_lowercase())
        && characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        let message = format!(
            "`{name}` is not a valid {what} name: start with a lowercase letter, then use a-z, 0-9 and _"
        );
        cx.report(path.clone(), IssueCode::InvalidName, message);
    } else if name.len() > MAX_IDENTIFIER_LENGTH {
        let message = format!(
            "{what} names are at most {MAX_IDENTIFIER_LENGTH} characters; `{name}` has {}",
            name.len()
        );
        cx.report(path.clone(), IssueCode::InvalidLength, message);
    }
}

/// Checks a page, automation or connection name: URL-safe, `^[a-z0-9][a-z0-9-_]*$`.
pub(crate) fn check_slug(name: &str, what: &str, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    let mut characters = name.chars();
    let well_formed =
        characters.next().is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
            && characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !well_formed {
        let message = format!(
            "`{name}` is not a valid {what} name: use lowercase letters, digits, - and _, starting with a letter or digit"
        );
        cx.report(path.clone(), IssueCode::InvalidName, message);
    } else if name.len() > MAX_SLUG_LENGTH {
        let message = format!("{what} names are at most {MAX_SLUG_LENGTH} characters");
        cx.report(path.clone(), IssueCode::InvalidLength, message);
    }
}

/// Checks that an id is in 1..2^53-1.
pub(crate) fn check_id(id: i64, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    if !(1..=MAX_ID).contains(&id) {
        cx.report(
            path.clone(),
            IssueCode::InvalidId,
            format!("ids are whole numbers from 1 to {MAX_ID}; found {id}"),
        );
    }
}

/// Remembers the values seen in one scope and reports the second of any two that are equal.
pub(crate) struct UniqueIn<T> {
    seen: HashSet<T>,
    code: IssueCode,
    what: &'static str,
}

impl<T: std::hash::Hash + Eq + std::fmt::Display + Clone> UniqueIn<T> {
    pub(crate) fn new(code: IssueCode, what: &'static str) -> Self {
        Self { seen: HashSet::new(), code, what }
    }

    /// Records `value`; reports it at `path` when it was seen before.
    pub(crate) fn check(&mut self, value: &T, path: &ConfigPath, cx: &mut CheckContext<'_>) {
        if !self.seen.insert(value.clone()) {
            cx.report(path.clone(), self.code, format!("{} `{value}` is used more than once", self.what));
        }
    }
}
