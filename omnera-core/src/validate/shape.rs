//! The shape check: the raw document against the JSON Schema generated from the config types.
//!
//! Serde stops at the first problem; this walk reports every one (unknown keys, missing keys,
//! wrong types, unknown enum values) with its named path, and prunes what cannot be read, so
//! that the rest of the document can still be deserialised and checked for meaning.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::suggest::{closest, did_you_mean};
use super::{ConfigIssue, ConfigPath, IssueCode};
use crate::Config;

/// The JSON Schema of the format, generated once.
pub(crate) static FORMAT_SCHEMA: LazyLock<Value> = LazyLock::new(|| schemars::schema_for!(Config).to_value());

/// Checks `document` against the format and removes every part that cannot be read: unknown
/// keys, and the smallest enclosing item of a value of the wrong shape.
pub(crate) fn check_shape(document: &mut Value) -> Vec<ConfigIssue> {
    let schema = &*FORMAT_SCHEMA;
    let empty = Map::new();
    let mut walk = ShapeWalk {
        defs: schema.get("$defs").and_then(Value::as_object).unwrap_or(&empty),
        issues: Vec::new(),
    };
    if !walk.value(document, schema, &ConfigPath::root()) {
        *document = Value::Null;
    }
    walk.issues
}

struct ShapeWalk<'s> {
    defs: &'s Map<String, Value>,
    issues: Vec<ConfigIssue>,
}

impl<'s> ShapeWalk<'s> {
    fn report(&mut self, path: ConfigPath, code: IssueCode, message: String) {
        self.issues.push(ConfigIssue { path, code, message });
    }

    fn resolve(&self, mut schema: &'s Value) -> &'s Value {
        while let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            match target.strip_prefix("#/$defs/").and_then(|name| self.defs.get(name)) {
                Some(resolved) => schema = resolved,
                None => break,
            }
        }
        schema
    }

    /// Checks one value; false means the value cannot be read and its parent must drop it.
    fn value(&mut self, value: &mut Value, schema: &'s Value, path: &ConfigPath) -> bool {
        let schema = self.resolve(schema);
        if let Some(variants) = schema.get("oneOf").or_else(|| schema.get("anyOf")) {
            return self.choice(value, schema, variants, path);
        }
        if let Some(expected) = schema.get("type")
            && !type_accepts(expected, value)
        {
            let message = format!("expected {}, found {}", describe(expected), kind_of(value));
            self.report(path.clone(), IssueCode::WrongType, message);
            return false;
        }
        if value.is_null() {
            return true;
        }
        if let Some(expected) = schema.get("const") {
            return self.enumeration(value, schema, std::slice::from_ref(expected), path);
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            return self.enumeration(value, schema, allowed, path);
        }
        match value {
            Value::Object(object) => self.object(object, schema, path),
            Value::Array(items) => self.array(items, schema, path),
            Value::Number(number) => self.range(number, schema, path),
            _ => true,
        }
    }

    fn enumeration(&mut self, value: &Value, schema: &Value, allowed: &[Value], path: &ConfigPath) -> bool {
        if allowed.contains(value) {
            return true;
        }
        let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
        let code = custom_code(schema).unwrap_or(IssueCode::InvalidValue);
        let written = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        let message = unknown_choice_message(code, &written, &names);
        self.report(path.clone(), code, message);
        false
    }

    fn range(&mut self, number: &serde_json::Number, schema: &Value, path: &ConfigPath) -> bool {
        if schema.get("format").and_then(Value::as_str) == Some("int64") && number.as_i64().is_none() {
            let message = format!("{number} is too large for a 64-bit whole number");
            self.report(path.clone(), IssueCode::OutOfRange, message);
            return false;
        }
        let Some(value) = number.as_f64() else { return true };
        let (low, high) = integer_bounds(schema);
        if low.is_some_and(|low| value < low) || high.is_some_and(|high| value > high) {
            let message = match (low, high) {
                (Some(low), Some(high)) => format!("{number} is out of range {low}..={high}"),
                (Some(low), None) => format!("{number} is below the minimum {low}"),
                (None, Some(high)) => format!("{number} is above the maximum {high}"),
                (None, None) => return true,
            };
            self.report(path.clone(), IssueCode::OutOfRange, message);
            return false;
        }
        true
    }

    fn object(&mut self, object: &mut Map<String, Value>, schema: &'s Value, path: &ConfigPath) -> bool {
        let properties = schema.get("properties").and_then(Value::as_object);
        let aliases = schema.get("x-omnera-aliases").and_then(Value::as_object);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|keys| keys.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let extra = schema.get("additionalProperties").unwrap_or(&Value::Bool(true));
        let mut readable = true;

        for key in &required {
            let aliased = aliases
                .into_iter()
                .flatten()
                .any(|(alias, target)| target == key && object.contains_key(alias));
            if !object.contains_key(*key) && !aliased {
                self.report(path.key(key), IssueCode::MissingKey, format!("`{key}` is required"));
                readable = false;
            }
        }
        for (alias, target) in aliases.into_iter().flatten() {
            let Some(target) = target.as_str() else { continue };
            if object.contains_key(alias) && object.contains_key(target) {
                let message = format!("`{alias}` is another name for `{target}`; write only one of them");
                self.report(path.key(alias), IssueCode::InvalidValue, message);
                object.remove(alias);
            }
        }
        let keys: Vec<String> = object.keys().cloned().collect();
        for key in keys {
            let canonical = aliases
                .and_then(|aliases| aliases.get(&key))
                .and_then(Value::as_str)
                .unwrap_or(&key)
                .to_owned();
            let child_path = path.key(&key);
            let child_schema = match properties.and_then(|properties| properties.get(&canonical)) {
                Some(known) => known,
                None if extra == &Value::Bool(false) => {
                    let candidates =
                        properties.into_iter().flat_map(|properties| properties.keys()).map(String::as_str);
                    let message = format!("unknown key `{key}`{}", did_you_mean(&key, candidates));
                    self.report(child_path, IssueCode::UnknownKey, message);
                    object.remove(&key);
                    continue;
                }
                None => extra,
            };
            let Some(child) = object.get_mut(&key) else { continue };
            if !self.value(child, child_schema, &child_path) {
                if required.contains(&canonical.as_str()) {
                    readable = false;
                } else {
                    object.remove(&key);
                }
            }
        }
        readable
    }

    fn array(&mut self, items: &mut Vec<Value>, schema: &'s Value, path: &ConfigPath) -> bool {
        let Some(item_schema) = schema.get("items") else { return true };
        let mut keep = Vec::with_capacity(items.len());
        for (index, item) in items.iter_mut().enumerate() {
            let item_path = item_path(path, index, item);
            keep.push(self.value(item, item_schema, &item_path));
        }
        let mut verdicts = keep.into_iter();
        items.retain(|_| verdicts.next().unwrap_or(true));
        true
    }

    fn choice(
        &mut self,
        value: &mut Value,
        schema: &'s Value,
        variants: &'s Value,
        path: &ConfigPath,
    ) -> bool {
        let leaves = self.leaves(variants);
        if value.is_null() {
            if leaves.iter().any(|leaf| is_null_schema(leaf)) {
                return true;
            }
            let message = format!("expected {}, found null", self.describe_choice(&leaves));
            self.report(path.clone(), IssueCode::WrongType, message);
            return false;
        }
        let leaves: Vec<&'s Value> = leaves.into_iter().filter(|leaf| !is_null_schema(leaf)).collect();
        if let Some(tag) = common_tag(&leaves) {
            return self.tagged(value, schema, &leaves, tag, path);
        }
        if value.is_string() && schema.get("x-omnera-secret").is_some() {
            let message = "credentials are never written in clear text: write {\"env\": \"NAME\"} \
                           or {\"secret\": \"name\"}";
            self.report(path.clone(), IssueCode::ClearTextSecret, message.to_owned());
            return false;
        }
        let fitting: Vec<&'s Value> = leaves
            .iter()
            .copied()
            .filter(|leaf| leaf.get("type").is_none_or(|t| type_accepts(t, value)))
            .collect();
        if !fitting.is_empty() && fitting.iter().all(|leaf| leaf.get("const").is_some()) {
            // An enum whose values are documented one by one: a choice of constants.
            let allowed: Vec<Value> = fitting.iter().filter_map(|leaf| leaf.get("const")).cloned().collect();
            return self.enumeration(value, schema, &allowed, path);
        }
        let chosen = match (fitting.as_slice(), value.as_object()) {
            ([], _) => {
                let message = format!("expected {}, found {}", self.describe_choice(&leaves), kind_of(value));
                self.report(path.clone(), IssueCode::WrongType, message);
                return false;
            }
            ([only], _) => *only,
            (several, Some(object)) => match best_object_variant(several, object) {
                Some(best) => best,
                None => {
                    let message = format!("expected {}", self.describe_choice(&leaves));
                    self.report(path.clone(), IssueCode::InvalidValue, message);
                    return false;
                }
            },
            ([first, ..], None) => *first,
        };
        self.value(value, chosen, path)
    }

    fn tagged(
        &mut self,
        value: &mut Value,
        schema: &Value,
        leaves: &[&'s Value],
        tag: &str,
        path: &ConfigPath,
    ) -> bool {
        let tags: Vec<&str> = leaves.iter().filter_map(|leaf| tag_of(leaf, tag)).collect();
        let Some(object) = value.as_object() else {
            let message = format!("expected an object with a `{tag}`, found {}", kind_of(value));
            self.report(path.clone(), IssueCode::WrongType, message);
            return false;
        };
        let code = custom_code(schema).unwrap_or(IssueCode::InvalidValue);
        let written = match object.get(tag) {
            None => {
                let message = format!("`{tag}` is required: one of {}", tags.join(", "));
                self.report(path.key(tag), IssueCode::MissingKey, message);
                return false;
            }
            Some(Value::String(written)) => written.clone(),
            Some(other) => {
                let message = format!("expected a string, found {}", kind_of(other));
                self.report(path.key(tag), IssueCode::WrongType, message);
                return false;
            }
        };
        match leaves.iter().find(|leaf| tag_of(leaf, tag) == Some(written.as_str())) {
            Some(variant) => self.value(value, variant, path),
            None => {
                let message = unknown_choice_message(code, &written, &tags);
                self.report(path.key(tag), code, message);
                false
            }
        }
    }

    /// The alternatives of a choice, with references resolved and nested choices flattened.
    fn leaves(&self, variants: &'s Value) -> Vec<&'s Value> {
        let mut leaves = Vec::new();
        for variant in variants.as_array().into_iter().flatten() {
            let variant = self.resolve(variant);
            match variant.get("oneOf").or_else(|| variant.get("anyOf")) {
                Some(nested) if variant.get("x-omnera-secret").is_none() => {
                    leaves.extend(self.leaves(nested));
                }
                _ => leaves.push(variant),
            }
        }
        leaves
    }

    fn describe_choice(&self, leaves: &[&Value]) -> String {
        let mut described: Vec<String> = Vec::new();
        for leaf in leaves {
            let text = if leaf.get("x-omnera-secret").is_some() {
                "an {\"env\"} or {\"secret\"} reference".to_owned()
            } else if let Some(required) = leaf.get("required").and_then(Value::as_array) {
                let keys: Vec<String> =
                    required.iter().filter_map(Value::as_str).map(|k| format!("`{k}`")).collect();
                format!("an object with {}", keys.join(" and "))
            } else if let Some(expected) = leaf.get("type") {
                describe(expected)
            } else {
                continue;
            };
            if !described.contains(&text) {
                described.push(text);
            }
        }
        described.join(" or ")
    }
}

fn item_path(path: &ConfigPath, index: usize, item: &Value) -> ConfigPath {
    match item.get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() => path.item(name),
        _ => path.index(index),
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

fn tag_of<'v>(variant: &'v Value, tag: &str) -> Option<&'v str> {
    variant.get("properties")?.get(tag)?.get("const")?.as_str()
}

/// The key whose constant value tells every alternative apart (`type`, `tag`), if there is one.
fn common_tag(leaves: &[&Value]) -> Option<&'static str> {
    ["type", "tag"]
        .into_iter()
        .find(|tag| !leaves.is_empty() && leaves.iter().all(|leaf| tag_of(leaf, tag).is_some()))
}

/// The object alternative whose required keys the value has; the one needing most wins.
fn best_object_variant<'s>(variants: &[&'s Value], object: &Map<String, Value>) -> Option<&'s Value> {
    variants
        .iter()
        .filter_map(|variant| {
            let required = variant.get("required")?.as_array()?;
            let all_present = required.iter().filter_map(Value::as_str).all(|key| object.contains_key(key));
            all_present.then_some((*variant, required.len()))
        })
        .max_by_key(|(_, needed)| *needed)
        .map(|(variant, _)| variant)
}

fn custom_code(schema: &Value) -> Option<IssueCode> {
    match schema.get("x-omnera-code")?.as_str()? {
        "unknown_field_type" => Some(IssueCode::UnknownFieldType),
        "unknown_page_type" => Some(IssueCode::UnknownPageType),
        "unknown_trigger_type" => Some(IssueCode::UnknownTriggerType),
        "unknown_action_type" => Some(IssueCode::UnknownActionType),
        "unknown_connection_type" => Some(IssueCode::UnknownConnectionType),
        _ => None,
    }
}

fn unknown_choice_message(code: IssueCode, written: &str, choices: &[&str]) -> String {
    let noun = match code.as_str().strip_prefix("unknown_") {
        Some(noun) => noun.replace('_', " "),
        None => "value".to_owned(),
    };
    match closest(written, choices.iter().copied()) {
        Some(near) => format!("unknown {noun} `{written}`; did you mean `{near}`?"),
        None => format!("unknown {noun} `{written}`; expected one of: {}", choices.join(", ")),
    }
}

fn type_accepts(expected: &Value, value: &Value) -> bool {
    match expected {
        Value::String(name) => type_name_accepts(name, value),
        Value::Array(names) => {
            names.iter().filter_map(Value::as_str).any(|name| type_name_accepts(name, value))
        }
        _ => true,
    }
}

fn type_name_accepts(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

fn describe(expected: &Value) -> String {
    let names: Vec<&str> = match expected {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => {
            names.iter().filter_map(Value::as_str).filter(|name| *name != "null").collect()
        }
        _ => Vec::new(),
    };
    let described: Vec<&str> = names
        .iter()
        .map(|name| match *name {
            "boolean" => "true or false",
            "string" => "a string",
            "number" => "a number",
            "integer" => "a whole number",
            "array" => "a list",
            "object" => "an object",
            _ => "a value",
        })
        .collect();
    described.join(" or ")
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(number) if number.is_f64() => "a fractional number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn integer_bounds(schema: &Value) -> (Option<f64>, Option<f64>) {
    let format_bounds = match schema.get("format").and_then(Value::as_str) {
        Some("uint8") => (Some(0.0), Some(f64::from(u8::MAX))),
        Some("uint16") => (Some(0.0), Some(f64::from(u16::MAX))),
        Some("uint32") => (Some(0.0), Some(f64::from(u32::MAX))),
        Some("uint64" | "uint") => (Some(0.0), None),
        _ => (None, None),
    };
    let minimum = schema.get("minimum").and_then(Value::as_f64).or(format_bounds.0);
    let maximum = schema.get("maximum").and_then(Value::as_f64).or(format_bounds.1);
    (minimum, maximum)
}
