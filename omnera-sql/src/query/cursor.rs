//! Keyset cursors: the sort values and id of the last record of a page, as opaque text.

use omnera_core::backend::StorageError;
use serde::{Deserialize, Serialize};

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Cursor {
    /// The sort the cursor belongs to, such as `-price,id`.
    pub(crate) sort: String,
    /// The last record's values of the sort keys (JSON as the API shows them).
    pub(crate) values: Vec<serde_json::Value>,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.bytes().map(|byte| format!("{byte:02x}")).collect()
    }

    pub(crate) fn decode(text: &str, table: &str) -> Result<Self, StorageError> {
        let invalid = || StorageError::InvalidQuery {
            table: table.to_owned(),
            reason: "the cursor is not valid".to_owned(),
        };
        if !text.len().is_multiple_of(2) || !text.is_ascii() {
            return Err(invalid());
        }
        let bytes: Result<Vec<u8>, _> =
            (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16)).collect();
        serde_json::from_slice(&bytes.map_err(|_| invalid())?).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_encoding_and_junk_is_refused() {
        let cursor = Cursor {
            sort: "-price,id".into(),
            values: vec![serde_json::json!("12.50"), serde_json::json!(7)],
        };
        assert_eq!(Cursor::decode(&cursor.encode(), "items").unwrap(), cursor);
        assert!(Cursor::decode("zz", "items").is_err());
        assert!(Cursor::decode("7b7d", "items").is_err());
    }
}
