//! What admins change of accounts (roles, the disabled flag), and the API keys users make.

use chrono::{DateTime, Utc};

use crate::backend::{ApiKey, ApiKeyScope, NewApiKey, User, UserChanges};
use crate::record::FieldProblem;

use super::AccountsError;
use super::credentials::{new_token, token_hash};
use super::service::Accounts;

/// What an admin changes of an account; fields left `None` stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AccountChanges {
    /// The account's roles: each declared in the config, or `admin`.
    pub roles: Option<Vec<String>>,
    /// Whether the account may sign in; disabling it ends its sessions.
    pub disabled: Option<bool>,
}

impl AccountChanges {
    /// Changes of `roles` and `disabled`.
    pub fn new(roles: Option<Vec<String>>, disabled: Option<bool>) -> Self {
        Self { roles, disabled }
    }
}

/// A key just made: the secret, shown this once, and what the store keeps of it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct NewKey {
    /// The key itself (`omk_…`); only its hash is kept.
    pub secret: String,
    /// The key as listed.
    pub key: ApiKey,
}

fn problem(field: String, code: &'static str, message: impl Into<String>) -> FieldProblem {
    FieldProblem { field, code, message: message.into() }
}

impl Accounts {
    /// Changes account `id` as `admin` asks. Roles must be declared in the config (or be
    /// `admin`; repeats are dropped); an admin cannot drop their own admin role or disable their
    /// own account, so an app keeps an admin. Every problem is reported at once; `None` when no
    /// account has that id.
    pub async fn change_account(
        &self,
        admin: &User,
        id: i64,
        changes: AccountChanges,
    ) -> Result<Option<User>, AccountsError> {
        let mut problems = Vec::new();
        let mut store_changes = UserChanges::default();
        if let Some(roles) = changes.roles {
            let declared = self.app.schema().auth().roles();
            let mut kept: Vec<String> = Vec::new();
            for (index, role) in roles.into_iter().enumerate() {
                if role != "admin" && !declared.iter().any(|declared| declared.name() == role) {
                    problems.push(problem(
                        format!("roles[{index}]"),
                        "unknown_role",
                        format!("{role} is not a role of this app"),
                    ));
                } else if !kept.contains(&role) {
                    kept.push(role);
                }
            }
            if id == admin.id && !kept.iter().any(|role| role == "admin") {
                problems.push(problem(
                    "roles".into(),
                    "own_admin_role",
                    "you cannot remove your own admin role",
                ));
            }
            store_changes = store_changes.with_roles(kept);
        }
        if let Some(disabled) = changes.disabled {
            if disabled && id == admin.id {
                problems.push(problem(
                    "disabled".into(),
                    "own_account",
                    "you cannot disable your own account",
                ));
            }
            store_changes = store_changes.with_disabled(disabled);
        }
        if !problems.is_empty() {
            return Err(AccountsError::InvalidFields(problems));
        }
        let store = self.store()?;
        let changed = store.update_user(id, store_changes).await?;
        if changed.is_some() && changes.disabled == Some(true) {
            store.end_sessions(id, None).await?;
        }
        Ok(changed)
    }

    /// Every problem with `changes` to account `id` by `admin` (see
    /// [`Accounts::change_account`]), for a transport that reports them with its own.
    pub fn account_change_problems(
        &self,
        admin: &User,
        id: i64,
        changes: &AccountChanges,
    ) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if let Some(roles) = &changes.roles {
            let declared = self.app.schema().auth().roles();
            for (index, role) in roles.iter().enumerate() {
                if role != "admin" && !declared.iter().any(|declared| declared.name() == role) {
                    let message = format!("{role} is not a role of this app");
                    problems.push(problem(format!("roles[{index}]"), "unknown_role", message));
                }
            }
            if id == admin.id && !roles.iter().any(|role| role == "admin") {
                problems.push(problem(
                    "roles".into(),
                    "own_admin_role",
                    "you cannot remove your own admin role",
                ));
            }
        }
        if changes.disabled == Some(true) && id == admin.id {
            problems.push(problem("disabled".into(), "own_account", "you cannot disable your own account"));
        }
        problems
    }

    /// Every problem with an API key's `name`, `expires_at` and `scopes` (see
    /// [`Accounts::create_api_key`]), for a transport that reports them with its own.
    pub fn api_key_problems(
        &self,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
        scopes: Option<&[ApiKeyScope]>,
    ) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        if name.trim().is_empty() {
            problems.push(problem("name".into(), "required", "is required"));
        }
        if expires_at.is_some_and(|moment| moment <= Utc::now()) {
            problems.push(problem(
                "expiresAt".into(),
                "invalid_datetime",
                "a date and time in the future, RFC 3339",
            ));
        }
        for (index, scope) in scopes.into_iter().flatten().enumerate() {
            problems.extend(self.scope_table_problem(&format!("scopes[{index}].table"), &scope.table));
        }
        problems
    }

    /// The problem with an API key scope's table, named at `field`: it must exist.
    pub fn scope_table_problem(&self, field: &str, table: &str) -> Option<FieldProblem> {
        let message = format!("no table is named `{table}`");
        self.app.schema().table(table).is_none().then(|| problem(field.to_owned(), "unknown_table", message))
    }

    /// Makes an API key for `user`, optionally until `expires_at` (which must be in the future)
    /// and limited to `scopes` (whose tables must exist).
    pub async fn create_api_key(
        &self,
        user: &User,
        name: &str,
        expires_at: Option<DateTime<Utc>>,
        scopes: Option<Vec<ApiKeyScope>>,
    ) -> Result<NewKey, AccountsError> {
        let problems = self.api_key_problems(name, expires_at, scopes.as_deref());
        if !problems.is_empty() {
            return Err(AccountsError::InvalidFields(problems));
        }
        let secret = format!("omk_{}", new_token()?);
        let mut new_key = NewApiKey::new(name.trim(), token_hash(&secret)).expiring_at(expires_at);
        if let Some(scopes) = scopes {
            new_key = new_key.with_scopes(scopes);
        }
        let key = self.store()?.create_api_key(user.id, new_key).await?;
        Ok(NewKey { secret, key })
    }
}
