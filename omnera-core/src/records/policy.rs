//! The config's `auth` section as a [`Policy`]: the default of every app whose host gave none.
//!
//! An app without an `auth` section has no access control: every caller may do everything (the
//! embedded default while an app is being built). With an `auth` section, no permission means no
//! access, `admin` may do everything, and everyone has the permissions of `anonymous`.

use crate::Schema;
use crate::backend::{Caller, Policy, PolicyDecision};
use crate::config::PermissionAction;

/// The permissions of a schema's `auth` section.
///
/// ```
/// use omnera_core::backend::{Caller, Policy, PolicyDecision};
/// use omnera_core::config::PermissionAction;
/// use omnera_core::records::ConfigPolicy;
/// use omnera_core::Config;
///
/// let schema = Config::from_json_str(r#"{"name": "Notes",
///     "tables": [{"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}],
///     "auth": {"roles": [{"name": "member"}],
///              "permissions": [{"role": "member", "table": "notes", "actions": ["read"]}]}}"#)
///     .unwrap().validate().unwrap();
/// let policy = ConfigPolicy::new(schema);
/// let member = Caller::user(1, ["member"]);
/// assert_eq!(policy.decide(&member, "notes", PermissionAction::Read), PolicyDecision::AllowAll);
/// assert_eq!(policy.decide(&member, "notes", PermissionAction::Delete), PolicyDecision::Deny);
/// ```
#[derive(Debug, Clone)]
pub struct ConfigPolicy {
    schema: Schema,
}

impl ConfigPolicy {
    /// The policy of `schema`'s `auth` section.
    pub fn new(schema: Schema) -> Self {
        Self { schema }
    }
}

impl Policy for ConfigPolicy {
    fn decide(&self, caller: &Caller, table: &str, action: PermissionAction) -> PolicyDecision {
        if !self.schema.has_auth() || caller.is_admin() {
            return PolicyDecision::AllowAll;
        }
        let mut filters = Vec::new();
        for permission in self.schema.auth().permissions() {
            if permission.table() != table
                || !caller.has_role(permission.role())
                || !permission.actions().contains(&action)
            {
                continue;
            }
            match permission.row_filter() {
                None => return PolicyDecision::AllowAll,
                Some(filter) => filters.push(filter.clone()),
            }
        }
        if filters.is_empty() { PolicyDecision::Deny } else { PolicyDecision::AllowWhere(filters) }
    }
}
