//! A real Kubernetes control plane for tests: etcd, kube-apiserver, kube-scheduler and kwok (the
//! fake kubelet), built from Go modules and started by `scripts/kube-testenv.sh`, which this module
//! calls. One control plane serves every test of a test binary ([`KubeTestEnv::shared`]); tests keep
//! apart by namespace. It stops when the test binary exits: the script runs until its stdin closes.
//!
//! Pods bound to the fake node run for `testenv/run-for` (a Go duration, default 500ms) and then
//! succeed, or fail with exit code 1 when annotated `testenv/outcome: fail`
//! (`tests/harness/kube/kwok-stages.yaml`).

use anyhow::{Context, bail};
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Annotation naming how long a pod runs under kwok before it ends (a Go duration).
pub const RUN_FOR_ANNOTATION: &str = "testenv/run-for";
/// Annotation that, set to `fail`, makes a pod end Failed with exit code 1.
pub const OUTCOME_ANNOTATION: &str = "testenv/outcome";

pub struct KubeTestEnv {
    kubeconfig: PathBuf,
    /// How long the control plane took to start (binaries already built).
    pub started_in: Duration,
    /// How long the binaries took to build, or to be found in the cache.
    pub built_in: Duration,
    // Closing the script's stdin stops the control plane; kept for the life of the process. Its
    // stdout answers the commands written to its stdin.
    supervisor: Mutex<Supervisor>,
    _state: tempfile::TempDir,
}

struct Supervisor {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

/// The reason the environment is unavailable, for [`KubeTestEnv::shared`].
static SHARED: OnceLock<Result<KubeTestEnv, String>> = OnceLock::new();

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn script() -> PathBuf {
    repo_root().join("scripts/kube-testenv.sh")
}

/// Exit status of `kube-testenv.sh build` when Go is missing.
const NO_GO: i32 = 3;

impl KubeTestEnv {
    /// The control plane shared by this test binary, started on first use. `None` (with a message
    /// on stderr) when Go is not installed, so a laptop without Go can still run the other tests;
    /// under `CI=true` that is an error. Any other failure to build or start is an error.
    pub fn shared() -> anyhow::Result<Option<&'static KubeTestEnv>> {
        let entry = SHARED.get_or_init(|| match Self::start() {
            Ok(Some(env)) => Ok(env),
            Ok(None) => Err(String::new()),
            Err(error) => Err(format!("{error:#}")),
        });
        match entry {
            Ok(env) => Ok(Some(env)),
            Err(reason) if reason.is_empty() => {
                if std::env::var_os("CI").is_some() {
                    bail!(
                        "Go is not installed, so the Kubernetes tests cannot run; install it (README)"
                    )
                }
                eprintln!(
                    "SKIPPED: Go is not installed, so there is no Kubernetes test environment (README)"
                );
                Ok(None)
            }
            Err(reason) => bail!("the Kubernetes test environment did not start: {reason}"),
        }
    }

    /// Builds (or finds) the binaries and starts a control plane of its own.
    pub fn start() -> anyhow::Result<Option<KubeTestEnv>> {
        let build_started = Instant::now();
        let build = Command::new(script())
            .arg("build")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running {} build", script().display()))?;
        if build.status.code() == Some(NO_GO) {
            return Ok(None);
        }
        if !build.status.success() {
            bail!("{} build failed ({})", script().display(), build.status);
        }
        let built_in = build_started.elapsed();

        let state = tempfile::Builder::new().prefix("kube-testenv").tempdir()?;
        let started = Instant::now();
        let mut child = Command::new(script())
            .arg("up")
            .arg(state.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("running {} up", script().display()))?;
        let stdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut stdout = BufReader::new(stdout);
        let mut kubeconfig = None;
        let mut line = String::new();
        while stdout.read_line(&mut line)? > 0 {
            if let Some(path) = line.trim_end().strip_prefix("ready ") {
                kubeconfig = Some(PathBuf::from(path));
                break;
            }
            line.clear();
        }
        let Some(kubeconfig) = kubeconfig else {
            let status = child.wait()?;
            bail!(
                "the control plane did not start ({status}); logs are in {}",
                state.keep().display()
            );
        };
        Ok(Some(KubeTestEnv {
            kubeconfig,
            started_in: started.elapsed(),
            built_in,
            supervisor: Mutex::new(Supervisor {
                _child: child,
                stdin,
                stdout,
            }),
            _state: state,
        }))
    }

    /// Stops the API server alone (etcd and the data stay): clients get connection refused until
    /// [`KubeTestEnv::start_apiserver`]. Use a control plane of the test's own
    /// ([`KubeTestEnv::start`]), not the shared one.
    pub fn stop_apiserver(&self) -> anyhow::Result<()> {
        self.command("apiserver-stop", "apiserver stopped")
    }

    /// Starts the API server again, on the same port with the same data; returns once it is ready.
    pub fn start_apiserver(&self) -> anyhow::Result<()> {
        self.command("apiserver-start", "apiserver ready")
    }

    /// Writes `command` to the script and waits for the line `expected`.
    fn command(&self, command: &str, expected: &str) -> anyhow::Result<()> {
        let mut supervisor = self
            .supervisor
            .lock()
            .map_err(|_| anyhow::anyhow!("the control plane's supervisor is poisoned"))?;
        writeln!(supervisor.stdin, "{command}")?;
        supervisor.stdin.flush()?;
        let mut line = String::new();
        supervisor.stdout.read_line(&mut line)?;
        if line.trim_end() != expected {
            bail!(
                "{command}: the control plane answered {:?}",
                line.trim_end()
            );
        }
        Ok(())
    }

    /// The kubeconfig file (cluster-admin through a static token, CA-verified TLS).
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// A client for this control plane. Make one per tokio runtime (per test).
    pub async fn client(&self) -> anyhow::Result<kube::Client> {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig)?;
        let config = kube::Config::from_custom_kubeconfig(
            kubeconfig,
            &kube::config::KubeConfigOptions::default(),
        )
        .await?;
        Ok(kube::Client::try_from(config)?)
    }
}

/// Creates a namespace named after `prefix` plus a random suffix and returns its name.
pub async fn create_namespace(client: &kube::Client, prefix: &str) -> anyhow::Result<String> {
    use k8s_openapi::api::core::v1::Namespace;
    let api: kube::Api<Namespace> = kube::Api::all(client.clone());
    let namespace: Namespace = serde_json::from_value(serde_json::json!({
        "metadata": {"generateName": format!("{prefix}-")}
    }))?;
    let created = api
        .create(&kube::api::PostParams::default(), &namespace)
        .await
        .context("creating a namespace")?;
    created.metadata.name.context("the namespace has no name")
}

/// Creates `job` in `namespace`, as trigger would (for tests of functions that only read
/// ProwJobs); the job as stored.
pub async fn create_prowjob(
    client: &kube::Client,
    namespace: &str,
    job: &prow_api::ProwJob,
) -> anyhow::Result<prow_api::ProwJob> {
    let api: kube::Api<prow_api::ProwJob> = kube::Api::namespaced(client.clone(), namespace);
    api.create(&kube::api::PostParams::default(), job)
        .await
        .context("creating a ProwJob")
}

/// The ProwJobs in `namespace`.
pub async fn list_prowjobs(
    client: &kube::Client,
    namespace: &str,
) -> anyhow::Result<Vec<prow_api::ProwJob>> {
    let api: kube::Api<prow_api::ProwJob> = kube::Api::namespaced(client.clone(), namespace);
    Ok(api
        .list(&kube::api::ListParams::default())
        .await
        .context("listing ProwJobs")?
        .items)
}

/// Applies a CustomResourceDefinition from a YAML file (created, or replaced when it exists) and
/// waits until the API server reports it Established, as envtest does.
pub async fn apply_crd(client: &kube::Client, path: &Path) -> anyhow::Result<String> {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{Patch, PatchParams};
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&text)
        .with_context(|| format!("{} is not a CustomResourceDefinition", path.display()))?;
    let name = crd.metadata.name.clone().context("the CRD has no name")?;
    let api: kube::Api<CustomResourceDefinition> = kube::Api::all(client.clone());
    api.patch(
        &name,
        &PatchParams::apply("prow-test-harness").force(),
        &Patch::Apply(&crd),
    )
    .await
    .with_context(|| format!("applying {}", path.display()))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let current = api.get(&name).await?;
        let established = current
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            return Ok(name);
        }
        if Instant::now() > deadline {
            bail!("{name} was not Established within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
