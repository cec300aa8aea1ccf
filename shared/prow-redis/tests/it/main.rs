//! The Redis response cache against a real `redis-server`: the store contract (with the
//! in-process store beside it), and the GitHub client sharing one cache between instances and
//! riding out the store's outage.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails loudly"
)]

mod shared_cache;

use prow_ports::github_cache::MemoryResponseCache;
use prow_redis::{RedisOptions, RedisResponseCache};
use prow_test_harness::RedisServer;
use prow_test_harness::contract::response_cache_contract;

#[tokio::test]
async fn the_memory_store_keeps_the_contract() {
    response_cache_contract(&MemoryResponseCache::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_redis_store_keeps_the_contract() {
    let Some(server) = RedisServer::start_or_skip().unwrap() else {
        return;
    };
    let cache = RedisResponseCache::new(RedisOptions::new(&server.url())).unwrap();
    response_cache_contract(&cache).await.unwrap();
}

#[tokio::test]
async fn a_small_memory_store_forgets_the_oldest_first() {
    use prow_ports::github_cache::{CacheKey, CachedResponse, ResponseCache};
    let cache = MemoryResponseCache::new(2);
    let key = |n: u8| CacheKey::new("GET", &format!("/issues/{n}"), "token:a", &[]);
    let entry = |n: u8| CachedResponse {
        etag: Some(n.to_string()),
        ..CachedResponse::default()
    };
    for n in 0..3 {
        cache.put(&key(n), entry(n)).await.unwrap();
    }
    assert_eq!(cache.get(&key(0)).await.unwrap(), None);
    assert_eq!(cache.get(&key(1)).await.unwrap(), Some(entry(1)));
    assert_eq!(cache.get(&key(2)).await.unwrap(), Some(entry(2)));
}
