//! A Redis server (Debian's `redis-server`, installed by `scripts/setup.sh`) on a free loopback
//! port, persisting nothing, stopped when dropped. [`RedisServer::stop`] and
//! [`RedisServer::restart`] make an outage in the middle of a test.

use anyhow::{Context, bail};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// `redis-server` on `PATH` (or `$REDIS_SERVER`), if there is one.
    pub fn binary() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("REDIS_SERVER") {
            return Some(PathBuf::from(path));
        }
        crate::deploy::on_path("redis-server")
    }

    /// Starts a server, or returns `None` (saying so) when none is installed; under `CI=true` a
    /// missing server is an error.
    pub fn start_or_skip() -> anyhow::Result<Option<RedisServer>> {
        match Self::binary() {
            Some(binary) => Self::start(binary).map(Some),
            None if std::env::var_os("CI").is_some() => {
                bail!("redis-server is not installed; scripts/setup.sh installs it")
            }
            None => {
                eprintln!(
                    "SKIPPED: redis-server is not installed (apt-get install redis-server, or scripts/setup.sh)"
                );
                Ok(None)
            }
        }
    }

    pub fn start(binary: PathBuf) -> anyhow::Result<RedisServer> {
        let mut server = RedisServer {
            binary,
            port: crate::free_port()?,
            child: None,
            dir: tempfile::Builder::new().prefix("redis").tempdir()?,
        };
        server.restart()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server: from now on connections are refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on the same port, empty, and waits until it answers PING.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.stop();
        let log = std::fs::File::create(self.dir.path().join("redis.log"))?;
        let child = Command::new(&self.binary)
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.ping() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                let log = std::fs::read_to_string(self.dir.path().join("redis.log"))?;
                bail!("redis-server exited ({status}) before it was ready: {log}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        bail!("redis-server did not answer PING within 20 s")
    }

    fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut answer = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
