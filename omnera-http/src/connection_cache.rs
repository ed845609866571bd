//! What the router builds from a connection on first use (a bucket's blob store, a provider's
//! discovered endpoints) and keeps for its lifetime, so that `{env}` references are read, and
//! discovery documents fetched, once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Values built from connections, by key; clones share one cache.
pub(crate) struct ConnectionCache<K, V> {
    built: Arc<Mutex<HashMap<K, V>>>,
}

impl<K: Eq + Hash, V: Clone> ConnectionCache<K, V> {
    /// The value built for `key`, if it was built.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        self.built.lock().ok().and_then(|built| built.get(key).cloned())
    }

    /// Keeps `value` for `key`.
    pub(crate) fn insert(&self, key: K, value: V) {
        if let Ok(mut built) = self.built.lock() {
            built.insert(key, value);
        }
    }
}

impl<K, V> Default for ConnectionCache<K, V> {
    fn default() -> Self {
        Self { built: Arc::default() }
    }
}

impl<K, V> Clone for ConnectionCache<K, V> {
    fn clone(&self) -> Self {
        Self { built: Arc::clone(&self.built) }
    }
}

impl<K, V> std::fmt::Debug for ConnectionCache<K, V> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.built.lock().map_or(0, |built| built.len());
        formatter.debug_struct("ConnectionCache").field("built", &count).finish()
    }
}
