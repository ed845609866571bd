//! Planting problems in the base config: edits by JSON pointer, shared by the rule tests.

use serde_json::Value;

/// A small valid config that the tests break one key at a time.
pub(crate) const BASE: &str = include_str!("../base_config.json");

/// An edit of the base config, by JSON pointer.
pub(crate) enum Edit {
    /// Sets (or adds) the value at the pointer.
    Set(&'static str, Value),
    /// Removes the value at the pointer.
    #[allow(dead_code)]
    Remove(&'static str),
    /// Appends to the array at the pointer.
    Push(&'static str, Value),
}
use Edit::{Push, Remove, Set};

/// The base config with `edits` applied.
pub(crate) fn base_after(edits: Vec<Edit>) -> Value {
    let mut document: Value = serde_json::from_str(BASE).unwrap();
    for edit in edits {
        apply(&mut document, edit);
    }
    document
}

fn apply(document: &mut Value, edit: Edit) {
    match edit {
        Set(pointer, value) => {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            let parent = document.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent}"));
            match parent {
                Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
                Value::Object(entries) => {
                    entries.insert(key.to_owned(), value);
                }
                _ => panic!("{pointer} is not inside an object or array"),
            }
        }
        Remove(pointer) => {
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            match document.pointer_mut(parent).unwrap() {
                Value::Array(items) => {
                    items.remove(key.parse::<usize>().unwrap());
                }
                Value::Object(entries) => {
                    entries.remove(key).unwrap_or_else(|| panic!("no {pointer}"));
                }
                _ => panic!("{pointer} is not inside an object or array"),
            }
        }
        Push(pointer, value) => document.pointer_mut(pointer).unwrap().as_array_mut().unwrap().push(value),
    }
}
