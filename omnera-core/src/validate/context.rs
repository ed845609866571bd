//! What every check shares: the issues found so far and lookups into the document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::suggest::did_you_mean;
use super::{ConfigIssue, ConfigPath, IssueCode};
use crate::Config;
use crate::config::{ConnectionConfig, FieldConfig, TableConfig};

/// The names that the raw document declares, before unreadable parts were pruned: a reference to
/// a table that exists but is broken is reported once, at the table, not at every reference.
#[derive(Debug, Default)]
pub(crate) struct DeclaredNames {
    tables: BTreeMap<String, BTreeSet<String>>,
    pages: BTreeSet<String>,
    automations: BTreeSet<String>,
    connections: BTreeSet<String>,
}

impl DeclaredNames {
    pub(crate) fn from_document(document: &Value) -> Self {
        let names = |section: &str| -> Vec<&Value> {
            document
                .get(section)
                .and_then(Value::as_array)
                .map(|items| items.iter().collect())
                .unwrap_or_default()
        };
        let name_of = |item: &Value| item.get("name").and_then(Value::as_str).map(str::to_owned);
        Self {
            tables: names("tables")
                .into_iter()
                .filter_map(|table| {
                    let fields = table.get("fields").and_then(Value::as_array).into_iter().flatten();
                    Some((name_of(table)?, fields.filter_map(name_of).collect()))
                })
                .collect(),
            pages: names("pages").into_iter().filter_map(name_of).collect(),
            automations: names("automations").into_iter().filter_map(name_of).collect(),
            connections: names("connections").into_iter().filter_map(name_of).collect(),
        }
    }
}

/// The state of one validation: the config being checked, lookups, and the issues found.
pub(crate) struct CheckContext<'c> {
    pub(crate) config: &'c Config,
    declared: DeclaredNames,
    issues: Vec<ConfigIssue>,
}

impl<'c> CheckContext<'c> {
    pub(crate) fn new(config: &'c Config, declared: DeclaredNames) -> Self {
        Self { config, declared, issues: Vec::new() }
    }

    pub(crate) fn report(&mut self, path: ConfigPath, code: IssueCode, message: String) {
        self.issues.push(ConfigIssue { path, code, message });
    }

    pub(crate) fn into_issues(self) -> Vec<ConfigIssue> {
        self.issues
    }

    pub(crate) fn table(&self, name: &str) -> Option<&'c TableConfig> {
        self.config.tables.iter().find(|table| table.name == name)
    }

    pub(crate) fn connection(&self, name: &str) -> Option<&'c ConnectionConfig> {
        self.config.connections.iter().find(|connection| connection.name() == name)
    }

    /// The table named `name`, reporting it at `path` when the document has no such table.
    pub(crate) fn require_table(&mut self, name: &str, path: &ConfigPath) -> Option<&'c TableConfig> {
        let found = self.table(name);
        if found.is_none() && !self.declared.tables.contains_key(name) {
            let known = self.config.tables.iter().map(|table| table.name.as_str());
            let message = format!("unknown table `{name}`{}", did_you_mean(name, known));
            self.report(path.clone(), IssueCode::UnknownTable, message);
        }
        found
    }

    /// The field `name` of `table`, reporting it at `path` when the table has no such field.
    pub(crate) fn require_field(
        &mut self,
        table: &'c TableConfig,
        name: &str,
        path: &ConfigPath,
    ) -> Option<&'c FieldConfig> {
        let found = table.fields.iter().find(|field| field.name == name);
        let declared = self.declared.tables.get(&table.name).is_some_and(|fields| fields.contains(name));
        if found.is_none() && !declared {
            let message = if super::names::is_system_field(name) {
                format!("`{name}` is a system field of every record and cannot be used here")
            } else {
                let known = table.fields.iter().map(|field| field.name.as_str());
                format!("table `{}` has no field `{name}`{}", table.name, did_you_mean(name, known))
            };
            self.report(path.clone(), IssueCode::UnknownField, message);
        }
        found
    }

    /// Whether the raw document declares the field, even if it could not be read.
    pub(crate) fn field_declared(&self, table: &str, field: &str) -> bool {
        self.declared.tables.get(table).is_some_and(|fields| fields.contains(field))
    }

    /// Reports at `path` a connection that does not exist or whose type does not fit.
    pub(crate) fn require_connection(
        &mut self,
        name: &str,
        path: &ConfigPath,
        wanted: &str,
        fits: impl Fn(&ConnectionConfig) -> bool,
    ) -> Option<&'c ConnectionConfig> {
        match self.connection(name) {
            Some(found) if fits(found) => Some(found),
            Some(found) => {
                let message = format!(
                    "connection `{name}` is of type {}; {wanted} connection is needed here",
                    found.type_name()
                );
                self.report(path.clone(), IssueCode::WrongConnectionType, message);
                None
            }
            None => {
                if !self.declared.connections.contains(name) {
                    let known = self.config.connections.iter().map(ConnectionConfig::name);
                    let message = format!("unknown connection `{name}`{}", did_you_mean(name, known));
                    self.report(path.clone(), IssueCode::UnknownConnection, message);
                }
                None
            }
        }
    }

    /// Reports at `path` a page name that the document does not declare.
    pub(crate) fn require_page_declared(&mut self, name: &str, path: &ConfigPath) {
        let exists = self.config.pages.iter().any(|page| page.name() == name);
        if !exists && !self.declared.pages.contains(name) {
            let known = self.config.pages.iter().map(crate::config::PageConfig::name);
            let message = format!("unknown page `{name}`{}", did_you_mean(name, known));
            self.report(path.clone(), IssueCode::UnknownPage, message);
        }
    }

    /// Reports at `path` an automation name that the document does not declare.
    pub(crate) fn require_automation_declared(&mut self, name: &str, path: &ConfigPath) {
        let exists = self.config.automations.iter().any(|automation| automation.name == name);
        if !exists && !self.declared.automations.contains(name) {
            let known = self.config.automations.iter().map(|automation| automation.name.as_str());
            let message = format!("unknown automation `{name}`{}", did_you_mean(name, known));
            self.report(path.clone(), IssueCode::UnknownAutomation, message);
        }
    }
}
