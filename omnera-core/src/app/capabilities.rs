//! What a schema needs from the host: storage for tables, a blob store for attachments, a mailer
//! for emails, an automation runtime for automations, registered actions for `custom` steps.

use std::fmt;

use crate::Schema;
use crate::backend::Action;
use crate::config::{ActionConfig, FormAction, PageConfig};
use crate::fields::FieldKind;
use crate::secrets::vault_references;

/// Something the schema needs that the builder was not given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingCapability {
    /// What is missing, such as `a blob store`.
    pub capability: String,
    /// Why it is needed: the parts of the config that use it.
    pub needed_by: Vec<String>,
    /// How to provide it.
    pub hint: String,
}

impl fmt::Display for MissingCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is needed by {} ({})", self.capability, self.needed_by.join(", "), self.hint)
    }
}

/// What the builder holds, as far as the checks need to know.
pub(crate) struct Provided<'a> {
    pub(crate) storage: bool,
    pub(crate) blob_store: bool,
    pub(crate) connection_stores: bool,
    pub(crate) connection_mailers: bool,
    pub(crate) accounts: bool,
    pub(crate) vault: bool,
    pub(crate) mailer: bool,
    pub(crate) automation_runtime: bool,
    pub(crate) automations_disabled: bool,
    pub(crate) actions: &'a [std::sync::Arc<dyn Action>],
}

/// Every capability the schema needs and the builder lacks.
pub(crate) fn missing_capabilities(schema: &Schema, provided: &Provided<'_>) -> Vec<MissingCapability> {
    let mut missing = Vec::new();
    let mut require = |has: bool, capability: &str, needed_by: Vec<String>, hint: &str| {
        if !has && !needed_by.is_empty() {
            missing.push(MissingCapability {
                capability: capability.to_owned(),
                needed_by,
                hint: hint.to_owned(),
            });
        }
    };
    let tables: Vec<String> = schema.tables().iter().map(|table| format!("table {}", table.name())).collect();
    require(
        provided.storage,
        "a storage",
        tables,
        "call with_storage, e.g. SqlStorage::connect(\"sqlite://app.db\")",
    );

    let attachments = |on_connection: bool| -> Vec<String> {
        schema
            .tables()
            .iter()
            .flat_map(|table| table.fields().iter().map(move |field| (table, field)))
            .filter(|(_, field)| match field.kind() {
                FieldKind::SingleAttachment(storage) | FieldKind::MultipleAttachments { storage, .. } => {
                    storage.connection.is_some() == on_connection
                }
                _ => false,
            })
            .map(|(table, field)| format!("field {}.{}", table.name(), field.name()))
            .collect()
    };
    require(provided.blob_store, "a blob store", attachments(false), "call with_blob_store");
    require(
        provided.connection_stores,
        "blob stores for storage connections",
        attachments(true),
        "call with_connection_blob_stores, e.g. with omnera_http::StorageConnections",
    );
    let auth = if schema.has_auth() { vec!["auth".to_owned()] } else { Vec::new() };
    require(
        provided.accounts,
        "an account store",
        auth,
        "call with_accounts (SqlStorage keeps accounts) or with_identity_provider",
    );

    let secrets = vault_references(schema).into_iter().map(|reference| reference.path).collect();
    require(
        provided.vault,
        "a secret vault",
        secrets,
        "call with_vault; serve opens it with the key in OMNERA_SECRET_KEY or OMNERA_SECRET_KEY_FILE \
         (make one with `serve secrets generate-key`)",
    );

    let auth_emails = schema
        .auth()
        .email_connection()
        .map(|name| vec![format!("auth.emailConnection (connection {name})")])
        .unwrap_or_default();
    require(
        provided.connection_mailers,
        "mailers for mail connections",
        auth_emails,
        "call with_connection_mailers, e.g. with omnera_automation::MailConnections",
    );

    let automations = if provided.automations_disabled { &[][..] } else { schema.automations() };
    let mut emails: Vec<String> = Vec::new();
    for automation in automations {
        visit_actions(&automation.config().actions, &mut |action| {
            if let ActionConfig::SendEmail(email) = action
                && email.connection.is_none()
            {
                emails.push(format!("action {}.{}", automation.name(), email.name));
            }
        });
    }
    emails.extend(
        schema
            .pages()
            .iter()
            .filter(|page| matches!(page, PageConfig::Form(form) if form.action == FormAction::SendEmail))
            .map(|page| format!("form {}", page.name())),
    );
    require(provided.mailer, "a mailer", emails, "call with_mailer (LogMailer writes mail to the log)");

    let enabled = automations
        .iter()
        .filter(|automation| automation.config().enabled)
        .map(|automation| format!("automation {}", automation.name()))
        .collect();
    require(
        provided.automation_runtime,
        "an automation runtime",
        enabled,
        "add the automation plugin with with_plugin, or build without_automations",
    );

    let mut unregistered: Vec<String> = Vec::new();
    for automation in automations {
        visit_actions(&automation.config().actions, &mut |action| {
            if let ActionConfig::Custom(custom) = action
                && !provided.actions.iter().any(|registered| registered.name() == custom.action)
            {
                unregistered.push(format!(
                    "action {}.{} (custom action `{}`)",
                    automation.name(),
                    custom.name,
                    custom.action
                ));
            }
        });
    }
    require(false, "registered custom actions", unregistered, "register each with with_action");
    missing
}

fn visit_actions<'a>(actions: &'a [ActionConfig], visit: &mut impl FnMut(&'a ActionConfig)) {
    for action in actions {
        visit(action);
        if let ActionConfig::Branch(branch) = action {
            visit_actions(&branch.then_actions, visit);
            visit_actions(&branch.else_actions, visit);
        }
    }
}
