//! The `auth` section: roles, default roles, permissions with row filters, sign-in providers.

use super::context::CheckContext;
use super::names::{UniqueIn, is_system_field};
use super::suggest::did_you_mean;
use super::{ConfigPath, IssueCode};
use crate::config::{AuthConfig, ConnectionConfig, FieldType, TableConfig};
use crate::query::{FilterExpr, parse_filter};
use crate::schema::{AuthSchema, PermissionSchema};

/// Roles every app has without declaring them.
pub(crate) const BUILT_IN_ROLES: [&str; 2] = ["anonymous", "admin"];

pub(crate) fn check_auth<'c>(cx: &mut CheckContext<'c>) -> AuthSchema {
    let Some(auth) = cx.config.auth.as_ref() else {
        return AuthSchema::default();
    };
    let path = ConfigPath::root().key("auth");
    check_roles(auth, &path, cx);
    let roles: Vec<&str> = auth.roles.iter().map(|role| role.name()).chain(BUILT_IN_ROLES).collect();
    for (index, role) in auth.default_roles.iter().enumerate() {
        require_role(role, &roles, &path.key("defaultRoles").index(index), cx);
    }
    let permissions = auth
        .permissions
        .iter()
        .enumerate()
        .map(|(index, permission)| {
            let permission_path = path.key("permissions").index(index);
            require_role(&permission.role, &roles, &permission_path.key("role"), cx);
            let table = cx.require_table(&permission.table, &permission_path.key("table"));
            if permission.actions.is_empty() {
                cx.report(
                    permission_path.key("actions"),
                    IssueCode::TooFewItems,
                    "list at least one action".to_owned(),
                );
            }
            let mut actions = UniqueIn::new(IssueCode::DuplicateValue, "action");
            for (position, action) in permission.actions.iter().enumerate() {
                let action_name = serde_json::to_value(action)
                    .ok()
                    .and_then(|name| name.as_str().map(str::to_owned))
                    .unwrap_or_default();
                actions.check(&action_name, &permission_path.key("actions").index(position), cx);
            }
            let row_filter = permission
                .row_filter
                .as_deref()
                .and_then(|text| check_row_filter(text, table, &permission_path.key("where"), cx));
            PermissionSchema {
                role: permission.role.clone(),
                table: permission.table.clone(),
                actions: permission.actions.clone(),
                row_filter,
            }
        })
        .collect();
    let providers = auth.providers.clone().unwrap_or_else(|| vec!["password".to_owned()]);
    for (index, provider) in providers.iter().enumerate() {
        if provider != "password" {
            let fits = |found: &ConnectionConfig| matches!(found, ConnectionConfig::Oauth(_));
            cx.require_connection(provider, &path.key("providers").index(index), "an oauth", fits);
        }
    }
    if let Some(name) = &auth.email_connection {
        cx.require_connection(
            name,
            &path.key("emailConnection"),
            "a mail (smtp, resend, sendgrid, postmark)",
            ConnectionConfig::sends_email,
        );
    }
    AuthSchema {
        declared: true,
        roles: auth.roles.clone(),
        default_roles: auth.default_roles.clone(),
        permissions,
        sign_up: auth.sign_up,
        require_verified_email: auth.require_verified_email,
        providers,
        email_connection: auth.email_connection.clone(),
    }
}

fn check_roles(auth: &AuthConfig, path: &ConfigPath, cx: &mut CheckContext<'_>) {
    let mut names = UniqueIn::new(IssueCode::DuplicateName, "role");
    for (index, role) in auth.roles.iter().enumerate() {
        let role_path = path.key("roles").index(index);
        let name = role.name();
        if BUILT_IN_ROLES.contains(&name) {
            cx.report(
                role_path,
                IssueCode::ReservedName,
                format!("`{name}` is built in and is not declared"),
            );
            continue;
        }
        let mut characters = name.chars();
        let valid = characters.next().is_some_and(|first| first.is_ascii_lowercase())
            && characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid || name.len() > 63 {
            let message = format!(
                "`{name}` is not a valid role name: lowercase letters, digits, - and _, starting with a letter"
            );
            cx.report(role_path.clone(), IssueCode::InvalidName, message);
        }
        names.check(&name.to_owned(), &role_path, cx);
    }
}

fn require_role(role: &str, roles: &[&str], path: &ConfigPath, cx: &mut CheckContext<'_>) {
    if !roles.contains(&role) {
        let message = format!(
            "role `{role}` is not declared in auth.roles{}",
            did_you_mean(role, roles.iter().copied())
        );
        cx.report(path.clone(), IssueCode::UnknownRole, message);
    }
}

/// Parses a `where` filter and checks that each path names a field, following relationships.
fn check_row_filter(
    text: &str,
    table: Option<&TableConfig>,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> Option<FilterExpr> {
    let filter = match parse_filter(text) {
        Ok(filter) => filter,
        Err(error) => {
            cx.report(path.clone(), IssueCode::InvalidFilter, format!("`{text}` does not parse: {error}"));
            return None;
        }
    };
    let table = table?;
    let mut valid = true;
    for condition in filter.conditions() {
        if let Err(problem) = resolve_path(table, condition.path.segments(), cx) {
            cx.report(path.clone(), IssueCode::UnknownField, format!("in `{text}`: {problem}"));
            valid = false;
        }
    }
    valid.then_some(filter)
}

/// Follows a field path through relationships; says which step does not exist.
fn resolve_path(table: &TableConfig, segments: &[String], cx: &CheckContext<'_>) -> Result<(), String> {
    let mut current = table;
    for (position, segment) in segments.iter().enumerate() {
        let last = position + 1 == segments.len();
        if is_system_field(segment) && last {
            return Ok(());
        }
        let Some(field) = current.fields.iter().find(|field| &field.name == segment) else {
            let known = current.fields.iter().map(|field| field.name.as_str());
            return Err(format!(
                "table `{}` has no field `{segment}`{}",
                current.name,
                did_you_mean(segment, known)
            ));
        };
        if last {
            return Ok(());
        }
        if field.field_type != FieldType::Relationship {
            return Err(format!("`{segment}` is not a relationship, so `{segment}.` leads nowhere"));
        }
        match field.related_table.as_deref().and_then(|name| cx.table(name)) {
            Some(related) => current = related,
            None => return Ok(()),
        }
    }
    Ok(())
}
