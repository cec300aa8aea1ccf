//! The GitHub response cache: the last successful answer to a read, shared by every function and
//! instance that reads with the same credentials, so that a read repeated anywhere becomes a
//! conditional request (`If-None-Match` / `If-Modified-Since`), and GitHub's 304 answer, which
//! costs no rate limit, is served from here. Upstream Prow gets the same from ghproxy in front
//! of GitHub; here the GitHub client does it itself, so a function that scales to zero keeps the
//! cache its previous instances filled.
//!
//! The cache is an optimisation, never a source of truth: a store that fails makes the client
//! send plain requests, and every answer served from here was confirmed by GitHub's 304 first.
//!
//! Adapters: [`MemoryResponseCache`] (one process: `prow local`, tests), `prow-redis` (Redis or
//! Valkey, shared by every instance). Both keep the contract in `tests/harness/src/contract.rs`.

use crate::{Failure, PortFuture};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub type CacheFuture<'a, T> = PortFuture<'a, T, CacheError>;

/// What identifies one cached answer, as ghproxy keys it: the method, the URL with its query, who
/// asks (a credentials identity, never the token itself), and the request headers that change
/// GitHub's answer (`Accept`, the API version). Readable, so an operator can find an entry with
/// `redis-cli --scan`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// `identity` names the credentials (`token:<digest>`, `installation:<app>:<id>`); `varying`
    /// are the request headers that select the representation, in the order the client sends them.
    pub fn new(method: &str, url: &str, identity: &str, varying: &[(&str, &str)]) -> CacheKey {
        let mut key = format!("ghcache:v1:{identity}:{method}");
        for (name, value) in varying {
            key.push_str(&format!(":{}={value}", name.to_ascii_lowercase()));
        }
        key.push(':');
        key.push_str(url);
        CacheKey(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A successful answer as it is kept: its validators, the `Link` header (the next page of a list
/// must survive a 304, whose headers need not carry it) and the body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CachedResponse {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub link: Option<String>,
    pub body: Vec<u8>,
}

impl CachedResponse {
    /// Whether GitHub can be asked "has it changed?" about this answer.
    pub fn revalidatable(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// The store could not be asked (down, slow, refused); the read goes to GitHub unconditionally.
    #[error("the GitHub response cache ({store}) is unavailable: {reason}")]
    Unavailable { store: &'static str, reason: String },
    /// The store answered with something that is not an entry this version wrote.
    #[error("the GitHub response cache ({store}) holds an unreadable entry at {key}: {reason}")]
    Corrupt {
        store: &'static str,
        key: String,
        reason: String,
    },
}

impl Failure for CacheError {
    fn kind(&self) -> &'static str {
        match self {
            CacheError::Unavailable { .. } => "cache_unavailable",
            CacheError::Corrupt { .. } => "cache_corrupt",
        }
    }

    fn retryable(&self) -> bool {
        matches!(self, CacheError::Unavailable { .. })
    }
}

pub trait ResponseCache: Send + Sync {
    /// The store's name for metric labels (`memory`, `redis`).
    fn store(&self) -> &'static str;
    /// The answer kept for `key`, if any.
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedResponse>>;
    /// Keeps `response` for `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a CacheKey, response: CachedResponse) -> CacheFuture<'a, ()>;
}

/// A cache in this process's memory, holding at most `capacity` answers (the oldest stored is
/// dropped first). What `prow local` and a single function use without a shared store.
pub struct MemoryResponseCache {
    capacity: usize,
    state: Mutex<MemoryState>,
}

#[derive(Default)]
struct MemoryState {
    entries: HashMap<CacheKey, CachedResponse>,
    /// Keys in the order they were first stored.
    order: VecDeque<CacheKey>,
}

impl MemoryResponseCache {
    /// Room for ten thousand answers: a busy function's reads for hours.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    pub fn new(capacity: usize) -> MemoryResponseCache {
        MemoryResponseCache {
            capacity: capacity.max(1),
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // A panic elsewhere cannot leave a half-written entry: each change is one map operation.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for MemoryResponseCache {
    fn default() -> MemoryResponseCache {
        MemoryResponseCache::new(MemoryResponseCache::DEFAULT_CAPACITY)
    }
}

impl ResponseCache for MemoryResponseCache {
    fn store(&self) -> &'static str {
        "memory"
    }

    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedResponse>> {
        let found = self.state().entries.get(key).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, response: CachedResponse) -> CacheFuture<'a, ()> {
        let mut state = self.state();
        if state.entries.insert(key.clone(), response).is_none() {
            state.order.push_back(key.clone());
            while state.entries.len() > self.capacity {
                let Some(oldest) = state.order.pop_front() else {
                    break;
                };
                state.entries.remove(&oldest);
            }
        }
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_everything_that_changes_the_answer() {
        let base = CacheKey::new(
            "GET",
            "https://api/x?page=2",
            "token:ab",
            &[("Accept", "json")],
        );
        let others = [
            CacheKey::new(
                "HEAD",
                "https://api/x?page=2",
                "token:ab",
                &[("Accept", "json")],
            ),
            CacheKey::new(
                "GET",
                "https://api/x?page=3",
                "token:ab",
                &[("Accept", "json")],
            ),
            CacheKey::new(
                "GET",
                "https://api/x?page=2",
                "token:cd",
                &[("Accept", "json")],
            ),
            CacheKey::new(
                "GET",
                "https://api/x?page=2",
                "token:ab",
                &[("Accept", "raw")],
            ),
        ];
        for other in others {
            assert_ne!(base, other);
        }
        assert_eq!(
            base.as_str(),
            "ghcache:v1:token:ab:GET:accept=json:https://api/x?page=2"
        );
    }
}
