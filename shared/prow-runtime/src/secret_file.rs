//! The webhook's HMAC secret, read from upstream's secret file and re-read when it changes
//! (Kubernetes updates mounted Secrets in place), so hook and every function that checks a
//! forwarded event's signature follow a rotation without a restart.

use anyhow::Context;
use prow_github::webhook::HmacSecret;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How often the file is checked for a rotation, at most.
const RECHECK: Duration = Duration::from_secs(5);

/// The secret file, shared by every request that checks a signature.
pub struct SecretFile(Mutex<Loaded>);

struct Loaded {
    path: PathBuf,
    secret: Arc<HmacSecret>,
    modified: Option<SystemTime>,
    checked: Instant,
}

impl Loaded {
    fn read(path: PathBuf) -> anyhow::Result<Loaded> {
        let contents = std::fs::read(&path)
            .with_context(|| format!("reading the HMAC secret file {}", path.display()))?;
        let secret = HmacSecret::parse(&contents)
            .with_context(|| format!("reading the HMAC secret file {}", path.display()))?;
        Ok(Loaded {
            modified: std::fs::metadata(&path).and_then(|m| m.modified()).ok(),
            path,
            secret: Arc::new(secret),
            checked: Instant::now(),
        })
    }
}

impl SecretFile {
    /// Reads the file; start-up fails without a valid secret.
    pub fn open(path: impl Into<PathBuf>) -> anyhow::Result<SecretFile> {
        Ok(SecretFile(Mutex::new(Loaded::read(path.into())?)))
    }

    /// The secret, re-read when the file changed; a rotation in progress that leaves the file
    /// unreadable keeps the previous secret.
    pub fn current(&self) -> Arc<HmacSecret> {
        let mut loaded = match self.0.lock() {
            Ok(loaded) => loaded,
            Err(poisoned) => poisoned.into_inner(),
        };
        if loaded.checked.elapsed() >= RECHECK {
            loaded.checked = Instant::now();
            let modified = std::fs::metadata(&loaded.path)
                .and_then(|m| m.modified())
                .ok();
            if modified != loaded.modified {
                match Loaded::read(loaded.path.clone()) {
                    Ok(fresh) => *loaded = fresh,
                    Err(error) => tracing::error!(
                        error = format!("{error:#}"),
                        "keeping the previous HMAC secret"
                    ),
                }
            }
        }
        loaded.secret.clone()
    }
}
