//! The vault secrets a schema refers to, each with the place in the document that names it.

use serde_json::Value;

use crate::Schema;
use crate::config::TriggerConfig;

/// A `{"secret": "name"}` reference in a config, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VaultReference {
    /// Where in the document, such as `connections[mail].password`.
    pub path: String,
    /// The secret's name.
    pub name: String,
}

/// Every vault secret the schema's connections and webhook triggers refer to, in document order.
///
/// ```
/// use omnera_core::validate_text;
/// use omnera_core::ConfigFormat;
/// use omnera_core::secrets::vault_references;
///
/// let schema = validate_text(r#"{"name": "Mail", "connections": [{"name": "mail", "type": "smtp",
///     "host": "smtp.example.com", "username": "crm", "password": {"secret": "smtp-password"},
///     "from": "crm@example.com"}]}"#, ConfigFormat::Json).unwrap();
/// let references = vault_references(&schema);
/// assert_eq!(references[0].path, "connections[mail].password");
/// assert_eq!(references[0].name, "smtp-password");
/// ```
pub fn vault_references(schema: &Schema) -> Vec<VaultReference> {
    let mut found = Vec::new();
    // Connections hold no user data, so every `{"secret": ..}` object in one is a reference,
    // whatever key a connection type keeps it under.
    for connection in schema.connections() {
        if let Ok(document) = serde_json::to_value(connection) {
            collect(&document, &format!("connections[{}]", connection.name()), &mut found);
        }
    }
    for automation in schema.automations() {
        if let TriggerConfig::Webhook { secret: Some(secret), .. } = &automation.config().trigger
            && let Some(name) = secret.vault_name()
        {
            let path = format!("automations[{}].trigger.secret", automation.name());
            found.push(VaultReference { path, name: name.to_owned() });
        }
    }
    found
}

fn collect(value: &Value, path: &str, found: &mut Vec<VaultReference>) {
    match value {
        Value::Object(object) => {
            if let (1, Some(Value::String(name))) = (object.len(), object.get("secret")) {
                found.push(VaultReference { path: path.to_owned(), name: name.clone() });
                return;
            }
            for (key, value) in object {
                collect(value, &format!("{path}.{key}"), found);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect(item, &format!("{path}[{index}]"), found);
            }
        }
        _ => {}
    }
}
