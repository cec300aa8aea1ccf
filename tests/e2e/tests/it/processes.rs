//! Functions as separate processes, as they are deployed: the workspace's built binaries (hook,
//! trigger, ...) started with their flags and configuration files on a free loopback port, ready
//! once `GET /healthz` answers, their logs (stdout and stderr, JSON lines) in a file of their own.
//! A running function can be killed with SIGKILL and restarted with the same arguments on the same
//! port, so a test can take one away mid-stream; its peak RSS (`VmHWM`) and CPU time are read from
//! `/proc`, summed or maxed over every run.
//!
//! The binaries come from `$PROW_BIN_DIR` when set (`target/release` for benchmarks), else from
//! the folder this test binary was built into (`target/debug`): `cargo test --workspace
//! --all-targets` builds them all; a narrower run needs `cargo build -p hook -p trigger` first.

use anyhow::{Context, bail};
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a function has to answer `GET /healthz` after it is started.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The folder holding the function binaries: `$PROW_BIN_DIR`, or the target folder of this build
/// (the test binary lives in `<target>/<profile>/deps/`).
pub(crate) fn binaries_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("PROW_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().context("finding the test binary")?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .with_context(|| format!("no target folder above {}", exe.display()))
}

/// The built binary `name`, or an error saying how to build it.
pub(crate) fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let dir = binaries_dir()?;
    let path = dir.join(name);
    if !path.is_file() {
        let how = if std::env::var_os("PROW_BIN_DIR").is_some() {
            format!("cargo build --release -p {name} (PROW_BIN_DIR names that build's folder)")
        } else {
            format!("cargo build -p {name}, or cargo build -p hook -p trigger for the load test")
        };
        bail!("{name} is not built in {}: {how}", dir.display());
    }
    Ok(path)
}

/// A folder of files functions read (configuration, secrets, tokens), removed when dropped.
pub(crate) struct Files {
    dir: tempfile::TempDir,
}

/// The standard names [`Files::prow`] writes and [`Function::config_files`] passes.
pub(crate) const CONFIG_YAML: &str = "config.yaml";
pub(crate) const JOBS_YAML: &str = "jobs.yaml";
pub(crate) const PLUGINS_YAML: &str = "plugins.yaml";
pub(crate) const HMAC: &str = "hmac";

impl Files {
    pub(crate) fn new() -> anyhow::Result<Files> {
        Ok(Files {
            dir: tempfile::Builder::new().prefix("functions").tempdir()?,
        })
    }

    /// `config.yaml`, `jobs.yaml`, `plugins.yaml` (when given) and the webhook HMAC secret.
    pub(crate) fn prow(
        config: &str,
        jobs: &str,
        plugins: Option<&str>,
        hmac: &[u8],
    ) -> anyhow::Result<Files> {
        let files = Files::new()?;
        files.write(CONFIG_YAML, config)?;
        files.write(JOBS_YAML, jobs)?;
        if let Some(plugins) = plugins {
            files.write(PLUGINS_YAML, plugins)?;
        }
        files.write(HMAC, hmac)?;
        Ok(files)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes (or replaces) `name`; a function watching it reloads it.
    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> anyhow::Result<PathBuf> {
        let path = self.path(name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// What to start: a binary, its flags and its environment. The process inherits the test's
/// environment except `KUBECONFIG` and `K_SINK`, which it gets only when given, and `PORT`,
/// which is always its own.
#[derive(Clone, Debug)]
pub(crate) struct Function {
    name: String,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
}

impl Function {
    /// The workspace binary `name` (`hook`, `trigger`, ...), logging at `info`.
    pub(crate) fn new(name: &str) -> Function {
        Function {
            name: name.to_string(),
            args: Vec::new(),
            envs: vec![("RUST_LOG".into(), "info".into())],
        }
    }

    pub(crate) fn arg(mut self, arg: impl Into<OsString>) -> Function {
        self.args.push(arg.into());
        self
    }

    /// `--name value`.
    pub(crate) fn flag(self, name: &str, value: impl Into<OsString>) -> Function {
        self.arg(name).arg(value)
    }

    pub(crate) fn env(mut self, key: &str, value: impl Into<OsString>) -> Function {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// `--config-path`, `--job-config-path`, `--plugin-config` and `--hmac-secret-file` for the
    /// standard files of `files` that exist.
    pub(crate) fn config_files(mut self, files: &Files) -> Function {
        for (flag, name) in [
            ("--config-path", CONFIG_YAML),
            ("--job-config-path", JOBS_YAML),
            ("--plugin-config", PLUGINS_YAML),
            ("--hmac-secret-file", HMAC),
        ] {
            let path = files.path(name);
            if path.exists() {
                self = self.flag(flag, path);
            }
        }
        self
    }

    /// GitHub at `endpoint` (the stand-in's URL) with the token in `token_file`.
    pub(crate) fn github(self, endpoint: &str, token_file: &Path) -> Function {
        self.flag("--github-endpoint", endpoint)
            .flag("--github-token-path", token_file)
    }

    /// The cluster of `kubeconfig`, for both what a function finds through `$KUBECONFIG` (its
    /// job store, leases) and its `--kubeconfig` build clusters.
    pub(crate) fn kubeconfig(self, kubeconfig: &Path) -> Function {
        self.flag("--kubeconfig", kubeconfig)
            .env("KUBECONFIG", kubeconfig)
    }

    /// CloudEvents out to `url` (`$K_SINK`, as a Knative SinkBinding sets it).
    pub(crate) fn sink(self, url: &str) -> Function {
        self.env("K_SINK", url)
    }

    /// Starts it on a free loopback port and waits until it is ready.
    pub(crate) async fn start(self) -> anyhow::Result<Running> {
        let program = binary(&self.name)?;
        let logs = tempfile::Builder::new()
            .prefix(&format!("{}-logs", self.name))
            .tempdir()?;
        let port = prow_test_harness::free_port()?;
        let mut running = Running {
            log: logs.path().join(format!("{}.log", self.name)),
            function: self,
            program,
            port,
            child: None,
            starts: 0,
            earlier_rss_kib: 0,
            earlier_cpu: Duration::ZERO,
            logs: Some(logs),
        };
        running.spawn().await?;
        Ok(running)
    }
}

/// A started function. Dropping it kills the process; when the test is failing, the end of its
/// log is printed and the log kept.
pub(crate) struct Running {
    function: Function,
    program: PathBuf,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
    starts: u32,
    /// The largest `VmHWM` of the runs before this one.
    earlier_rss_kib: u64,
    /// The CPU time of the runs before this one.
    earlier_cpu: Duration,
    logs: Option<tempfile::TempDir>,
}

impl Running {
    pub(crate) fn name(&self) -> &str {
        &self.function.name
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id, while it runs.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// How many times it was started (1 before any restart).
    pub(crate) fn starts(&self) -> u32 {
        self.starts
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))?;
        let mut command = Command::new(&self.program);
        command
            .args(&self.function.args)
            .env_remove("KUBECONFIG")
            .env_remove("K_SINK")
            .envs(self.function.envs.iter().map(|(k, v)| (k, v)))
            .env("PORT", self.port.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = command
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        self.child = Some(child);
        self.starts += 1;
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{}/healthz", self.url());
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                bail!(
                    "{} exited while starting ({status}); its log ends:\n{}",
                    self.name(),
                    self.log_tail(30)
                );
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer {url} within {READY_WITHIN:?}; its log ends:\n{}",
                    self.name(),
                    self.log_tail(30)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills it with SIGKILL (no graceful shutdown: what an OOM kill or a lost node does) and
    /// reaps it. Nothing when it is not running.
    pub(crate) fn kill(&mut self) {
        self.note_usage();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM and waits (at most `within`, without blocking the runtime: servers in the
    /// test keep answering it while it drains) for it to exit, returning its exit status;
    /// SIGKILL after that.
    pub(crate) async fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        self.note_usage();
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = child.kill();
        child.wait().ok()
    }

    /// Starts it again with the same arguments, environment and port (killing it first when it
    /// runs), and waits until it is ready. Its log continues in the same file.
    pub(crate) async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn().await
    }

    /// Keeps the peak RSS and CPU time of the run that is about to end.
    fn note_usage(&mut self) {
        if let Some(pid) = self.pid() {
            self.earlier_rss_kib = self.earlier_rss_kib.max(vm_hwm_kib(pid).unwrap_or(0));
            self.earlier_cpu += cpu_time(pid).unwrap_or_default();
        }
    }

    /// The peak resident set size in KiB, the largest over every run so far.
    pub(crate) fn rss_peak_kib(&self) -> u64 {
        let now = self.pid().and_then(vm_hwm_kib).unwrap_or(0);
        now.max(self.earlier_rss_kib)
    }

    /// [`Running::rss_peak_kib`] in MiB.
    pub(crate) fn rss_peak_mib(&self) -> f64 {
        self.rss_peak_kib() as f64 / 1024.0
    }

    /// User and system CPU time, summed over every run so far.
    pub(crate) fn cpu_time(&self) -> Duration {
        self.earlier_cpu + self.pid().and_then(cpu_time).unwrap_or_default()
    }

    /// Where its output goes.
    pub(crate) fn log_path(&self) -> &Path {
        &self.log
    }

    /// Everything it wrote so far, every run.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its log lines that parse as JSON (what the runtime's logger writes).
    pub(crate) fn log_lines(&self) -> Vec<serde_json::Value> {
        self.log()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The lines logged at `ERROR`, and any line that is not JSON (a panic's message).
    pub(crate) fn errors(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(
                |line| match serde_json::from_str::<serde_json::Value>(line) {
                    Ok(value) => value["level"] == "ERROR",
                    Err(_) => !line.trim().is_empty(),
                },
            )
            .map(str::to_string)
            .collect()
    }

    /// How many lines it logged at `level` (`WARN`, `INFO`, ...).
    pub(crate) fn count_at(&self, level: &str) -> usize {
        self.log_lines()
            .iter()
            .filter(|line| line["level"] == level)
            .count()
    }

    /// The last `lines` lines of its log.
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking()
            && let Some(logs) = self.logs.take()
        {
            let dir = logs.keep();
            eprintln!(
                "{} (kept in {}) logged last:\n{}",
                self.function.name,
                dir.display(),
                self.log_tail(20)
            );
        }
    }
}

/// `VmHWM` of process `pid` in KiB: its peak resident set size.
pub(crate) fn vm_hwm_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// User plus system CPU time of process `pid` (`/proc/<pid>/stat`, in clock ticks of 1/100 s,
/// Linux's `USER_HZ` everywhere it runs).
pub(crate) fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are plain.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15; after the name, state is the first (field 3).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

#[tokio::test]
async fn a_function_killed_with_sigkill_restarts_on_its_port() {
    let files = Files::prow(
        "pod_namespace: test-pods\n",
        "presubmits: {}\n",
        None,
        b"secret",
    )
    .unwrap();
    let mut hook = Function::new("hook")
        .config_files(&files)
        .start()
        .await
        .unwrap();
    let (port, first) = (hook.port(), hook.pid().unwrap());
    let healthz = format!("{}/healthz", hook.url());
    assert!(reqwest::get(&healthz).await.unwrap().status().is_success());

    hook.kill();
    assert_eq!(hook.pid(), None);
    assert!(
        reqwest::get(&healthz).await.is_err(),
        "nothing answers once it is killed"
    );
    hook.restart().await.unwrap();
    assert_eq!(hook.port(), port);
    assert_ne!(hook.pid(), Some(first));
    assert_eq!(hook.starts(), 2);
    assert!(reqwest::get(&healthz).await.unwrap().status().is_success());
    assert!(hook.rss_peak_kib() > 0);

    let status = hook.terminate(Duration::from_secs(10)).await.unwrap();
    assert!(status.success(), "SIGTERM ends it cleanly: {status}");
    // Both runs logged to the same file, as JSON, without an error.
    let starts = hook
        .log_lines()
        .iter()
        .filter(|l| l["fields"]["message"] == "serving")
        .count();
    assert_eq!(starts, 2, "{}", hook.log());
    assert_eq!(hook.errors(), Vec::<String>::new());
}
