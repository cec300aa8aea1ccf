//! The GitHub response cache ([`prow_ports::github_cache::ResponseCache`]) on Redis or Valkey:
//! every function and every instance reads and writes the same entries, so a function that
//! scales to zero finds the validators its previous instances stored, and GitHub answers its
//! repeated reads with 304s that cost no rate limit.
//!
//! An entry is a hash (`v`, `etag`, `last_modified`, `link`, `body`) under the key the client
//! builds (`ghcache:v1:<identity>:GET:...:<url>`), expiring after [`RedisOptions::ttl`]; give the
//! server a `maxmemory` with `allkeys-lru` and it keeps what is read most.
//!
//! The store being down never fails a read: each operation has a short timeout, an error is
//! returned at once (the client then reads without the cache), and for [`RedisOptions::pause`]
//! after a failure no connection is attempted, so an outage costs no latency per call. The next
//! call after the pause reconnects.
//!
//! Boundary: this crate speaks Redis's protocol (through the `redis` crate) and nothing else.

use prow_ports::github_cache::{CacheError, CacheFuture, CacheKey, CachedResponse, ResponseCache};
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The entry layout this version writes.
const LAYOUT: &[u8] = b"1";

/// How to reach the store and how to use it.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// `redis://[user:password@]host:port[/db]` or `rediss://` (TLS is not built in: use a
    /// loopback or in-cluster address).
    pub url: String,
    /// How long an entry lives after it was last stored.
    pub ttl: Duration,
    /// How long connecting, and each command, may take before the store counts as down.
    pub timeout: Duration,
    /// After a failure, how long calls skip the store before trying it again.
    pub pause: Duration,
}

impl RedisOptions {
    /// A day per entry, 250 ms per operation, 5 s of quiet after a failure.
    pub fn new(url: &str) -> RedisOptions {
        RedisOptions {
            url: url.to_string(),
            ttl: Duration::from_secs(24 * 3600),
            timeout: Duration::from_millis(250),
            pause: Duration::from_secs(5),
        }
    }
}

/// Why the store could not be set up.
#[derive(Debug)]
pub struct InvalidUrl(String);

impl std::fmt::Display for InvalidUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidUrl {}

pub struct RedisResponseCache {
    client: redis::Client,
    options: RedisOptions,
    state: Mutex<Link>,
}

#[derive(Default)]
struct Link {
    connection: Option<MultiplexedConnection>,
    /// Set after a failure: no attempt before this instant.
    quiet_until: Option<Instant>,
}

impl RedisResponseCache {
    /// The cache at `options.url`. Nothing is connected until the first call, so a function
    /// starts whether or not the store is up; a URL that cannot be a Redis address is refused.
    pub fn new(options: RedisOptions) -> Result<RedisResponseCache, InvalidUrl> {
        let client = redis::Client::open(options.url.as_str()).map_err(|e| {
            InvalidUrl(format!(
                "the GitHub cache address is not a Redis URL ({}): {e}",
                redacted(&options.url)
            ))
        })?;
        Ok(RedisResponseCache {
            client,
            options,
            state: Mutex::default(),
        })
    }

    fn unavailable(&self, reason: impl std::fmt::Display) -> CacheError {
        CacheError::Unavailable {
            store: "redis",
            reason: format!("{}: {reason}", redacted(&self.options.url)),
        }
    }

    /// A connection, or why there is none (without trying during the quiet time).
    async fn connection(&self) -> Result<MultiplexedConnection, CacheError> {
        let mut link = self.state.lock().await;
        if let Some(until) = link.quiet_until
            && Instant::now() < until
        {
            return Err(self.unavailable("skipped after a recent failure"));
        }
        if let Some(connection) = &link.connection {
            return Ok(connection.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.options.timeout))
            .set_response_timeout(Some(self.options.timeout));
        let connected = tokio::time::timeout(
            self.options.timeout,
            self.client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await;
        match connected {
            Ok(Ok(connection)) => {
                link.quiet_until = None;
                link.connection = Some(connection.clone());
                Ok(connection)
            }
            Ok(Err(error)) => {
                link.quiet_until = Some(Instant::now() + self.options.pause);
                Err(self.unavailable(error))
            }
            Err(_) => {
                link.quiet_until = Some(Instant::now() + self.options.pause);
                Err(self.unavailable("connecting timed out"))
            }
        }
    }

    /// Forgets the connection after a failed command and keeps quiet for a while.
    async fn failed(&self, error: impl std::fmt::Display) -> CacheError {
        let mut link = self.state.lock().await;
        link.connection = None;
        link.quiet_until = Some(Instant::now() + self.options.pause);
        tracing::debug!(%error, "GitHub response cache command failed");
        self.unavailable(error)
    }

    async fn read(&self, key: &CacheKey) -> Result<Option<CachedResponse>, CacheError> {
        let mut connection = self.connection().await?;
        let fields: HashMap<String, Vec<u8>> = match connection.hgetall(key.as_str()).await {
            Ok(fields) => fields,
            Err(error) => return Err(self.failed(error).await),
        };
        if fields.is_empty() {
            return Ok(None);
        }
        let corrupt = |reason: &str| CacheError::Corrupt {
            store: "redis",
            key: key.as_str().to_string(),
            reason: reason.to_string(),
        };
        if fields.get("v").map(Vec::as_slice) != Some(LAYOUT) {
            return Err(corrupt("not an entry of layout 1"));
        }
        let text = |name: &str| -> Result<Option<String>, CacheError> {
            fields
                .get(name)
                .map(|bytes| {
                    String::from_utf8(bytes.clone())
                        .map_err(|_| corrupt(&format!("{name} is not UTF-8")))
                })
                .transpose()
        };
        Ok(Some(CachedResponse {
            etag: text("etag")?,
            last_modified: text("last_modified")?,
            link: text("link")?,
            body: fields.get("body").cloned().unwrap_or_default(),
        }))
    }

    async fn write(&self, key: &CacheKey, response: CachedResponse) -> Result<(), CacheError> {
        let mut connection = self.connection().await?;
        let mut fields: Vec<(&str, Vec<u8>)> =
            vec![("v", LAYOUT.to_vec()), ("body", response.body)];
        for (name, value) in [
            ("etag", response.etag),
            ("last_modified", response.last_modified),
            ("link", response.link),
        ] {
            if let Some(value) = value {
                fields.push((name, value.into_bytes()));
            }
        }
        let ttl = i64::try_from(self.options.ttl.as_secs().max(1)).unwrap_or(i64::MAX);
        // One round trip, applied together: the old entry goes, the new one and its expiry come.
        let stored: redis::RedisResult<()> = redis::pipe()
            .atomic()
            .del(key.as_str())
            .ignore()
            .hset_multiple(key.as_str(), &fields)
            .ignore()
            .expire(key.as_str(), ttl)
            .ignore()
            .query_async(&mut connection)
            .await;
        match stored {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failed(error).await),
        }
    }
}

impl ResponseCache for RedisResponseCache {
    fn store(&self) -> &'static str {
        "redis"
    }

    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedResponse>> {
        Box::pin(self.read(key))
    }

    fn put<'a>(&'a self, key: &'a CacheKey, response: CachedResponse) -> CacheFuture<'a, ()> {
        Box::pin(self.write(key, response))
    }
}

/// The URL without its password, for messages.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://<credentials>@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redacted("redis://user:s3cret@cache:6379/0"),
            "redis://<credentials>@cache:6379/0"
        );
        assert_eq!(redacted("redis://cache:6379"), "redis://cache:6379");
        let refused = RedisResponseCache::new(RedisOptions::new("http://:s3cret@cache"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(refused.contains("not a Redis URL"), "{refused}");
        assert!(!refused.contains("s3cret"), "{refused}");
    }
}
