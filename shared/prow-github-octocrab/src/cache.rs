//! The ETag cache: the last 200 answer per (credentials identity, URL), so a repeated read is a
//! conditional request and a 304 (which costs no rate limit) is answered from here.

use std::collections::HashMap;
use std::sync::Mutex;

/// How many answers are kept; the oldest half is dropped when full.
const ENTRIES: usize = 10_000;

/// (credentials identity, URL).
pub(crate) type CacheKey = (String, String);

#[derive(Default)]
pub(crate) struct EtagCache {
    /// The ETag and body of the last 200 answer per key.
    entries: Mutex<HashMap<CacheKey, (String, Vec<u8>)>>,
}

impl EtagCache {
    /// The ETag and body of the last answer for `key`.
    pub fn get(&self, key: &CacheKey) -> Option<(String, Vec<u8>)> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub fn put(&self, key: CacheKey, etag: &str, body: &[u8]) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= ENTRIES {
            let drop: Vec<_> = entries.keys().take(ENTRIES / 2).cloned().collect();
            for key in drop {
                entries.remove(&key);
            }
        }
        entries.insert(key, (etag.to_string(), body.to_vec()));
    }
}

/// Which credentials a cached answer belongs to, without keeping the token itself.
pub(crate) fn identity(authorization: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    authorization.hash(&mut hasher);
    format!("{:x}", hasher.finish())
}
