//! Per-key async locks (a job, a pull request), dropped when no one holds or waits for them:
//! one reconciliation or report per job at a time within an instance, as controller-runtime
//! gives upstream's controllers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

pub struct KeyedGuard<'a> {
    owner: &'a KeyedLocks,
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        match self.locks.lock() {
            Ok(table) => table,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub async fn lock(&self, key: &str) -> KeyedGuard<'_> {
        let lock = self.table().entry(key.to_string()).or_default().clone();
        let guard = lock.lock_owned().await;
        KeyedGuard {
            owner: self,
            key: key.to_string(),
            guard: Some(guard),
        }
    }
}

impl Drop for KeyedGuard<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut table = self.owner.table();
        // Only the table holds it now: nobody waits, so the entry can go.
        if table
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            table.remove(&self.key);
        }
    }
}
