//! Leases: who may act on something for a while (tide on one pool), so two overlapping runs,
//! a slow one and the next ping or two instances, never act on it together. Someone else holding
//! the lease is an ordinary answer, not an error; a holder that dies loses it when it expires.

use crate::store::StoreError;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;

pub type LeaseFuture<'a, T> = crate::PortFuture<'a, T, StoreError>;

/// Proof that the lease `name` was taken by `holder` (only [`Leases::acquire`] makes one).
#[derive(Debug, PartialEq, Eq)]
pub struct Held {
    name: String,
    holder: String,
}

impl Held {
    /// For adapters: the proof for a lease they just granted.
    pub fn granted(name: &str, holder: &str) -> Held {
        Held {
            name: name.to_string(),
            holder: holder.to_string(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }
}

pub trait Leases: Send + Sync {
    /// Takes `name` for `holder` until `now + ttl`, unless another holder has it unexpired
    /// (then `None`). The holder taking it again renews it.
    fn acquire<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> LeaseFuture<'a, Option<Held>>;
    /// Gives the lease back (nothing if it has passed to someone else meanwhile).
    fn release(&self, held: Held) -> LeaseFuture<'_, ()>;
}

/// Leases in this process's memory: enough where one process is the whole system (`prow local`,
/// tests).
#[derive(Debug, Default)]
pub struct MemoryLeases {
    leases: Mutex<HashMap<String, (String, Timestamp)>>,
}

impl MemoryLeases {
    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Timestamp)>> {
        match self.leases.lock() {
            Ok(table) => table,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Leases for MemoryLeases {
    fn acquire<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> LeaseFuture<'a, Option<Held>> {
        let mut table = self.table();
        let free = table
            .get(name)
            .is_none_or(|(current, expires)| current == holder || *expires <= now);
        let taken = free.then(|| {
            let expires = now.checked_add(ttl).unwrap_or(now);
            table.insert(name.to_string(), (holder.to_string(), expires));
            Held::granted(name, holder)
        });
        Box::pin(std::future::ready(Ok(taken)))
    }

    fn release(&self, held: Held) -> LeaseFuture<'_, ()> {
        let mut table = self.table();
        if table
            .get(&held.name)
            .is_some_and(|(h, _)| *h == held.holder)
        {
            table.remove(&held.name);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}
