//! Operation ids: the names client generators give their functions (`listContacts`,
//! `createContact`, `signIn`).
//!
//! A table's operations are named by a verb and the table's name in camel case, in the singular
//! where one record is meant: `companies` gives `listCompanies`, `createCompany`, `getCompany`,
//! `updateCompany` (PATCH), `replaceCompany` (PUT), `deleteCompany`, `batchCompanies`,
//! `uploadCompanyFiles`, `downloadCompanyFile` and `deleteCompanyFile`. The singular comes from
//! the rules of the pluralize NPM package, applied to the name's last word (`sales_people` gives
//! `SalesPerson`, `news` stays `News`).
//!
//! The names depend on the config alone, never on the caller, and are unique for any table names
//! the config allows (`^[a-z][a-z0-9_]*$`): camel case keeps an `_` it cannot fold into a capital
//! (`a_1` is `A_1`, `a1` is `A1`), so two names never meet; and when the names of two tables, or
//! of a table and a fixed route (`listUsers` for a table `users`), would still be the same, every
//! operation of those tables takes the plain form `<verb>_<table>` (`list_users`,
//! `deletefile_users`). Plain forms cannot meet the others: those never hold an `_` followed by
//! a lowercase letter, and table names always start with one.

use std::collections::HashMap;

use omnera_core::Schema;

/// An operation on a table's records or files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TableOperation {
    List,
    Create,
    Batch,
    Get,
    Update,
    Replace,
    Delete,
    Upload,
    Download,
    DeleteFile,
}

impl TableOperation {
    const ALL: [Self; 10] = [
        Self::List,
        Self::Create,
        Self::Batch,
        Self::Get,
        Self::Update,
        Self::Replace,
        Self::Delete,
        Self::Upload,
        Self::Download,
        Self::DeleteFile,
    ];

    /// The readable name, from the table's name in the plural (`many`) and the singular (`one`).
    fn readable(self, many: &str, one: &str) -> String {
        match self {
            Self::List => format!("list{many}"),
            Self::Create => format!("create{one}"),
            Self::Batch => format!("batch{many}"),
            Self::Get => format!("get{one}"),
            Self::Update => format!("update{one}"),
            Self::Replace => format!("replace{one}"),
            Self::Delete => format!("delete{one}"),
            Self::Upload => format!("upload{one}Files"),
            Self::Download => format!("download{one}File"),
            Self::DeleteFile => format!("delete{one}File"),
        }
    }

    /// The verb of the plain form: one lowercase word.
    fn verb(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Create => "create",
            Self::Batch => "batch",
            Self::Get => "get",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::Upload => "upload",
            Self::Download => "download",
            Self::DeleteFile => "deletefile",
        }
    }
}

/// The operation ids of the routes every app has.
pub(super) const FIXED: [&str; 19] = [
    "signUp",
    "signIn",
    "signOut",
    "getSession",
    "changePassword",
    "requestPasswordReset",
    "resetPassword",
    "verifyEmail",
    "createApiKey",
    "listApiKeys",
    "revokeApiKey",
    "listUsers",
    "updateUser",
    "startOAuthSignIn",
    "finishOAuthSignIn",
    "getSchema",
    "getOpenApiDocument",
    "checkLiveness",
    "checkReadiness",
];

/// How a table's operations are named.
#[derive(Debug)]
struct TableNames {
    many: String,
    one: String,
    /// Whether the readable names meet another table's or a fixed one.
    plain: bool,
}

/// The operation ids of a schema's tables.
#[derive(Debug)]
pub(super) struct OperationIds {
    tables: HashMap<String, TableNames>,
}

impl OperationIds {
    pub(super) fn new(schema: &Schema) -> Self {
        let mut tables: HashMap<String, TableNames> = schema
            .tables()
            .iter()
            .map(|table| {
                let name = table.name();
                let names = TableNames { many: camel(name), one: camel(&singular(name)), plain: false };
                (name.to_owned(), names)
            })
            .collect();
        let mut uses: HashMap<String, usize> = FIXED.iter().map(|id| ((*id).to_owned(), 1)).collect();
        for names in tables.values() {
            for operation in TableOperation::ALL {
                *uses.entry(operation.readable(&names.many, &names.one)).or_default() += 1;
            }
        }
        // A table's own names differ from each other, so a name used twice meets another's.
        for names in tables.values_mut() {
            names.plain = TableOperation::ALL
                .iter()
                .any(|operation| uses.get(&operation.readable(&names.many, &names.one)) != Some(&1));
        }
        Self { tables }
    }

    /// The id of `operation` on `table`.
    pub(super) fn of(&self, table: &str, operation: TableOperation) -> String {
        match self.tables.get(table) {
            Some(names) if !names.plain => operation.readable(&names.many, &names.one),
            _ => format!("{}_{table}", operation.verb()),
        }
    }
}

/// `sales_leads` → `SalesLeads`: each `_` before a lowercase letter becomes that letter's capital;
/// any other `_` stays (`a_1` → `A_1`), so that no two names give the same result.
fn camel(name: &str) -> String {
    let mut camel = String::with_capacity(name.len());
    let mut capital = true;
    let mut characters = name.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '_' && characters.peek().is_some_and(char::is_ascii_lowercase) {
            capital = true;
            continue;
        }
        camel.push(if capital { character.to_ascii_uppercase() } else { character });
        capital = false;
    }
    camel
}

/// The name with its last word in the singular: `sales_leads` → `sales_lead`. A word the rules
/// would turn into something that is not a lowercase word is kept.
fn singular(name: &str) -> String {
    let (head, last) = match name.rsplit_once('_') {
        Some((head, last)) => (Some(head), last),
        None => (None, name),
    };
    if !last.starts_with(|first: char| first.is_ascii_lowercase()) {
        return name.to_owned();
    }
    let one = pluralizer::pluralize(last, 1, false);
    let is_word = one.starts_with(|first: char| first.is_ascii_lowercase())
        && one.chars().all(|character| character.is_ascii_lowercase() || character.is_ascii_digit());
    match head {
        _ if !is_word => name.to_owned(),
        Some(head) => format!("{head}_{one}"),
        None => one,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use omnera_core::Config;
    use proptest::prelude::*;

    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        let tables: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                format!(
                    r#"{{"id": {}, "name": "{name}", "fields": [{{"id": 1, "name": "title", "type": "long-text"}}]}}"#,
                    index + 1
                )
            })
            .collect();
        let config = format!(r#"{{"name": "Names", "tables": [{}]}}"#, tables.join(","));
        let schema = Config::from_json_str(&config).unwrap().validate().unwrap();
        let ids = OperationIds::new(&schema);
        names.iter().flat_map(|name| TableOperation::ALL.map(|operation| ids.of(name, operation))).collect()
    }

    #[test]
    fn tables_are_named_in_camel_case_and_the_singular() {
        assert_eq!(
            ids(&["companies"]),
            [
                "listCompanies",
                "createCompany",
                "batchCompanies",
                "getCompany",
                "updateCompany",
                "replaceCompany",
                "deleteCompany",
                "uploadCompanyFiles",
                "downloadCompanyFile",
                "deleteCompanyFile"
            ]
        );
        let get = |name: &str| ids(&[name])[3].clone();
        assert_eq!(get("sales_people"), "getSalesPerson");
        assert_eq!(get("activities"), "getActivity");
        assert_eq!(get("addresses"), "getAddress");
        assert_eq!(get("news"), "getNews");
        assert_eq!(get("status"), "getStatus");
        assert_eq!(get("contact"), "getContact");
        assert_eq!(get("line_items_v2"), "getLineItemsV2");
        assert_eq!(get("a_1"), "getA_1");
        assert_eq!(get("trailing_"), "getTrailing_");
    }

    #[test]
    fn names_that_would_meet_take_the_plain_form() {
        // `contact` and `contacts` would both have `getContact`; `users` would have the users
        // API's `listUsers`; `notes` meets nobody and keeps its names.
        let all = ids(&["contact", "contacts", "users", "notes"]);
        assert_eq!(all[3], "get_contact");
        assert_eq!(all[10], "list_contacts");
        assert_eq!(all[13], "get_contacts");
        assert_eq!(all[20], "list_users");
        assert_eq!(all[29], "deletefile_users");
        assert_eq!((all[30].as_str(), all[39].as_str()), ("listNotes", "deleteNoteFile"));
        // `a_1` and `a1` stay apart without it.
        assert_eq!(ids(&["a_1", "a1"])[0], "listA_1");
    }

    /// Table names of a few letters, digits, `s` and `_`, so that their names often meet.
    fn valid_name() -> impl Strategy<Value = String> {
        "[a-c][a-c1s_]{0,4}"
    }

    proptest! {
        #[test]
        fn ids_are_unique_identifiers_for_any_table_names(
            names in prop::collection::hash_set(valid_name(), 1..8)
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let all = ids(&names);
            let unique: HashSet<&String> = all.iter().collect();
            prop_assert_eq!(unique.len(), all.len(), "{:?}", all);
            for id in &all {
                prop_assert!(!FIXED.contains(&id.as_str()), "{} is a fixed id", id);
                prop_assert!(
                    id.starts_with(|first: char| first.is_ascii_lowercase())
                        && id.chars().all(|character| character.is_ascii_alphanumeric() || character == '_'),
                    "{} is not an identifier", id
                );
            }
        }
    }
}
