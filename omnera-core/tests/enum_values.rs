//! Every key of the format that takes one of a fixed set of values: a value outside the set is
//! one issue, at that key's own path, on one line, naming the values allowed there.
//!
//! The keys are found in the format's JSON Schema, so a key added to the config model without a
//! case here fails `every_enum_valued_key_has_a_case`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use omnera_core::validate::format_json_schema;
use omnera_core::validate_document;
use serde_json::{Value, json};

mod support;

use support::Edit::{Push, Set};
use support::{Edit, base_after};

/// A value that no enum of the format has, and that is close to none of their values.
const BOGUS: &str = "bogus";

/// One case: the key (as `Owner.key`, the way `enum_valued_keys` names it), the edit planting
/// `BOGUS` there, the path and code the validator must report.
struct Case {
    key: &'static str,
    edits: Vec<Edit>,
    path: &'static str,
    code: &'static str,
}

fn case(key: &'static str, edits: Vec<Edit>, path: &'static str, code: &'static str) -> Case {
    Case { key, edits, path, code }
}

fn cases() -> Vec<Case> {
    let bogus = || json!(BOGUS);
    vec![
        case("Config.icon", vec![Set("/icon", bogus())], "icon", "invalid_value"),
        case("Config.color", vec![Set("/color", bogus())], "color", "invalid_value"),
        case(
            "FieldConfig.type",
            vec![Set("/tables/1/fields/1/type", bogus())],
            "tables[contacts].fields[full_name].type",
            "unknown_field_type",
        ),
        case(
            "FieldConfig.relationType",
            vec![Set("/tables/1/fields/2/relationType", bogus())],
            "tables[contacts].fields[company].relationType",
            "invalid_value",
        ),
        case(
            "FieldConfig.onDelete",
            vec![Set("/tables/1/fields/2/onDelete", bogus())],
            "tables[contacts].fields[company].onDelete",
            "invalid_value",
        ),
        case(
            "FieldConfig.onUpdate",
            vec![Set("/tables/1/fields/2/onUpdate", bogus())],
            "tables[contacts].fields[company].onUpdate",
            "invalid_value",
        ),
        case("PageConfig.type", vec![Set("/pages/0/type", bogus())], "pages[home].type", "unknown_page_type"),
        case(
            "HeadElement.tag",
            vec![Set("/pages/0/head/0/tag", bogus())],
            "pages[home].head[0].tag",
            "invalid_value",
        ),
        case(
            "BodyElement.type",
            vec![Set("/pages/0/body/0/type", bogus())],
            "pages[home].body[0].type",
            "invalid_value",
        ),
        case(
            "PageConfig[form].action",
            vec![Set("/pages/1/action", bogus())],
            "pages[new-contact].action",
            "invalid_value",
        ),
        case(
            "FormInputConfig.type",
            vec![Set("/pages/1/inputs/1/type", bogus())],
            "pages[new-contact].inputs[full_name].type",
            "unknown_field_type",
        ),
        case(
            "PageConfig[detail-view].layout",
            vec![Set("/pages/3/layout", bogus())],
            "pages[contact].layout",
            "invalid_value",
        ),
        case(
            "TriggerConfig.type",
            vec![Set("/automations/1/trigger/type", bogus())],
            "automations[nightly].trigger.type",
            "unknown_trigger_type",
        ),
        case(
            "TriggerConfig[webhook].method",
            vec![Set(
                "/automations/1/trigger",
                json!({"type": "webhook", "method": BOGUS, "secret": {"env": "HOOK_SECRET"}}),
            )],
            "automations[nightly].trigger.method",
            "invalid_value",
        ),
        case(
            "ConditionConfig.operator",
            vec![Set("/automations/0/conditions/all/0/operator", bogus())],
            "automations[welcome].conditions.all[0].operator",
            "invalid_value",
        ),
        case(
            "RetryConfig.backoff",
            vec![Set("/automations/1/retry/backoff", bogus())],
            "automations[nightly].retry.backoff",
            "invalid_value",
        ),
        case(
            "RetryConfig.backoff",
            vec![Set("/connections/1/retry", json!({"backoff": BOGUS}))],
            "connections[api].retry.backoff",
            "invalid_value",
        ),
        case(
            "ActionConfig.type",
            vec![Set("/automations/1/actions/0/type", bogus())],
            "automations[nightly].actions[ping].type",
            "unknown_action_type",
        ),
        case(
            "ActionConfig.type",
            vec![Push(
                "/automations/1/actions",
                json!({"type": "branch", "name": "check", "if": {"left": "1", "operator": "equals", "right": "1"},
                       "then": [{"type": BOGUS, "name": "inner"}]}),
            )],
            "automations[nightly].actions[check].then[inner].type",
            "unknown_action_type",
        ),
        case(
            "ActionConfig[http-request].method",
            vec![Set("/automations/1/actions/0/method", bogus())],
            "automations[nightly].actions[ping].method",
            "invalid_value",
        ),
        case(
            "ConnectionConfig.type",
            vec![Set("/connections/1/type", bogus())],
            "connections[api].type",
            "unknown_connection_type",
        ),
        case(
            "ConnectionConfig[smtp].security",
            vec![Set("/connections/0/security", bogus())],
            "connections[mail].security",
            "invalid_value",
        ),
        case(
            "ConnectionConfig[oauth].provider",
            vec![Push(
                "/connections",
                json!({"name": "sso", "type": "oauth", "provider": BOGUS, "clientId": "omnera",
                       "clientSecret": {"env": "SSO_SECRET"}}),
            )],
            "connections[sso].provider",
            "invalid_value",
        ),
        case(
            "HttpAuthConfig.type",
            vec![Set("/connections/1/auth/type", bogus())],
            "connections[api].auth.type",
            "invalid_value",
        ),
        case("AuthConfig.signUp", vec![Set("/auth/signUp", bogus())], "auth.signUp", "invalid_value"),
        case(
            "PermissionConfig.actions[]",
            vec![Set("/auth/permissions/1/actions/0", bogus())],
            "auth.permissions[1].actions[0]",
            "invalid_value",
        ),
    ]
}

#[test]
fn an_unknown_value_of_each_enum_is_one_issue_at_its_key_naming_the_allowed_values() {
    let schema = format_json_schema();
    let mut failures = Vec::new();
    for Case { key, edits, path, code } in cases() {
        let issues = match validate_document(base_after(edits)) {
            Ok(_) => {
                failures.push(format!("{key}: `{BOGUS}` was accepted"));
                continue;
            }
            Err(errors) => errors.issues().to_vec(),
        };
        let found: Vec<(String, &str)> =
            issues.iter().map(|issue| (issue.path.to_string(), issue.code.as_str())).collect();
        if found != [(path.to_owned(), code)] {
            failures.push(format!("{key}: expected [({path}, {code})], found {found:?}"));
            continue;
        }
        let message = &issues[0].message;
        let allowed = allowed_values(&schema, key);
        let expected = format!("expected one of: {}", allowed.join(", "));
        if allowed.is_empty() || !message.contains(&format!("`{BOGUS}`")) || !message.ends_with(&expected) {
            failures.push(format!("{key}: the message `{message}` does not end with `{expected}`"));
        }
        if issues[0].to_string().lines().count() != 1 {
            failures.push(format!("{key}: the issue spans lines: {}", issues[0]));
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_enum_valued_key_has_a_case() {
    let in_schema = enum_valued_keys(&format_json_schema());
    let covered: BTreeSet<String> = cases().iter().map(|case| case.key.to_owned()).collect();
    assert_eq!(covered, in_schema, "the cases (left) and the enum-valued keys of the format (right) differ");
    assert!(in_schema.len() >= 20, "suspiciously few enum-valued keys: {in_schema:?}");
}

/// Every key whose value is one of a fixed set, named `Owner.key`: the owner is the `$defs`
/// entry (or `Config` for the root), with `[tag]` for a variant of a tagged choice; `[]` marks
/// the items of a list.
fn enum_valued_keys(schema: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    visit(schema, schema, "Config", &mut keys);
    for (name, definition) in definitions(schema) {
        visit(schema, definition, name, &mut keys);
    }
    keys
}

fn visit(root: &Value, node: &Value, owner: &str, keys: &mut BTreeSet<String>) {
    if let Some(tag) = tag_of_choice(root, node) {
        keys.insert(format!("{owner}.{tag}"));
        for variant in choices(node) {
            let variant = resolve(root, variant);
            let value = variant["properties"][tag]["const"].as_str().unwrap_or_default();
            visit(root, variant, &format!("{owner}[{value}]"), keys);
        }
        return;
    }
    for variant in choices(node) {
        visit(root, variant, owner, keys);
    }
    for (key, property) in node.get("properties").and_then(Value::as_object).into_iter().flatten() {
        if is_closed_set(root, property) {
            keys.insert(format!("{owner}.{key}"));
        } else if property.get("items").is_some_and(|items| is_closed_set(root, items)) {
            keys.insert(format!("{owner}.{key}[]"));
        } else if property.get("$ref").is_none() {
            visit(root, property, &format!("{owner}.{key}"), keys);
        }
    }
}

/// The values allowed at a key named by `enum_valued_keys`.
fn allowed_values(root: &Value, key: &str) -> Vec<String> {
    let (owner, property) = key.rsplit_once('.').unwrap();
    let (property, is_list) = match property.strip_suffix("[]") {
        Some(list) => (list, true),
        None => (property, false),
    };
    let mut node = match owner.split_once('[') {
        Some((name, _)) => &root["$defs"][name],
        None if owner == "Config" => root,
        None => &root["$defs"][owner],
    };
    if let Some(tag) = owner.split_once('[').map(|(_, rest)| rest.trim_end_matches(']')) {
        let parent_tag = tag_of_choice(root, node).unwrap();
        node = choices(node)
            .into_iter()
            .find(|variant| variant["properties"][parent_tag]["const"] == tag)
            .unwrap();
    }
    if tag_of_choice(root, node) == Some(property) {
        return choices(node)
            .iter()
            .filter_map(|variant| variant["properties"][property]["const"].as_str())
            .map(str::to_owned)
            .collect();
    }
    // An untagged choice (a condition) holds the key in one of its variants.
    let mut schema = std::iter::once(node)
        .chain(choices(node))
        .map(|variant| &variant["properties"][property])
        .find(|schema| !schema.is_null())
        .unwrap();
    if is_list {
        schema = &schema["items"];
    }
    closed_set(root, schema)
}

fn definitions(root: &Value) -> impl Iterator<Item = (&str, &Value)> {
    root.get("$defs").and_then(Value::as_object).into_iter().flatten().map(|(name, def)| (name.as_str(), def))
}

fn resolve<'v>(root: &'v Value, node: &'v Value) -> &'v Value {
    match node.get("$ref").and_then(Value::as_str).and_then(|target| target.strip_prefix("#/$defs/")) {
        Some(name) => &root["$defs"][name],
        None => node,
    }
}

fn choices(node: &Value) -> Vec<&Value> {
    node.get("oneOf").or_else(|| node.get("anyOf")).and_then(Value::as_array).into_iter().flatten().collect()
}

/// The key (`type` or `tag`) whose constant tells the variants of a tagged choice apart.
fn tag_of_choice<'k>(root: &Value, node: &Value) -> Option<&'k str> {
    let variants: Vec<&Value> = choices(node).into_iter().map(|variant| resolve(root, variant)).collect();
    ["type", "tag"].into_iter().find(|tag| {
        !variants.is_empty()
            && variants.iter().all(|variant| variant["properties"][*tag]["const"].is_string())
    })
}

fn is_closed_set(root: &Value, node: &Value) -> bool {
    !closed_set(root, node).is_empty()
}

/// The values of an enum (written `enum`, or `oneOf` constants when each value is documented),
/// through a reference and an optional's `anyOf [.., null]`.
fn closed_set(root: &Value, node: &Value) -> Vec<String> {
    let node = resolve(root, node);
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return values.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    }
    let variants: Vec<&Value> = choices(node)
        .into_iter()
        .map(|variant| resolve(root, variant))
        .filter(|variant| variant["type"] != "null")
        .collect();
    if variants.len() == 1 && variants[0].get("const").is_none() {
        return closed_set(root, variants[0]);
    }
    if !variants.is_empty() && variants.iter().all(|variant| variant.get("const").is_some()) {
        return variants.iter().filter_map(|variant| variant["const"].as_str()).map(str::to_owned).collect();
    }
    Vec::new()
}
