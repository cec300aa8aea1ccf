//! The deployment as tests check it: the tools it is built with (crane, kustomize and AWS's Lambda
//! runtime interface emulator, built from Go modules by `scripts/deploy-tools.sh`), `knative/`
//! rendered by kustomize and by the Terraform module, a local image registry, and the function
//! binaries the workspace build left in the target folder.

use anyhow::{Context, bail};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Every binary the project ships, functions first.
pub const BINARIES: [&str; 10] = [
    "hook",
    "trigger",
    "controller",
    "crier",
    "horologium",
    "sinker",
    "tide",
    "deck",
    "gerrit",
    "prow",
];

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Exit status of `deploy-tools.sh build` when Go is missing.
const NO_GO: i32 = 3;

/// A missing tool: skipped with a message on a laptop, an error under `CI=true`.
fn missing(what: &str) -> anyhow::Result<()> {
    if std::env::var_os("CI").is_some() {
        bail!("{what}; CI needs it (README, set-up)");
    }
    eprintln!("SKIPPED: {what} (README, set-up)");
    Ok(())
}

/// The folder holding crane, kustomize and aws-lambda-rie.
pub struct DeployTools {
    dir: PathBuf,
}

impl DeployTools {
    /// Builds (or finds) the tools. `None` when Go is missing on a laptop.
    pub fn get() -> anyhow::Result<Option<DeployTools>> {
        let output = Command::new(repo_root().join("scripts/deploy-tools.sh"))
            .arg("build")
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .context("running scripts/deploy-tools.sh")?;
        if output.status.code() == Some(NO_GO) {
            missing(
                "Go is not installed, so crane, kustomize and the Lambda emulator cannot be built",
            )?;
            return Ok(None);
        }
        if !output.status.success() {
            bail!("scripts/deploy-tools.sh build failed: {}", output.status);
        }
        let dir = String::from_utf8(output.stdout)?.trim().to_string();
        Ok(Some(DeployTools {
            dir: PathBuf::from(dir),
        }))
    }

    pub fn crane(&self) -> PathBuf {
        self.dir.join("crane")
    }

    pub fn kustomize(&self) -> PathBuf {
        self.dir.join("kustomize")
    }

    pub fn lambda_emulator(&self) -> PathBuf {
        self.dir.join("aws-lambda-rie")
    }

    /// `kustomize build DIR`, as objects.
    pub fn kustomize_build(&self, dir: &Path) -> anyhow::Result<Vec<Value>> {
        let output = Command::new(self.kustomize())
            .arg("build")
            .arg(dir)
            .output()
            .context("running kustomize")?;
        if !output.status.success() {
            bail!(
                "kustomize build {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let text = String::from_utf8(output.stdout)?;
        let objects: Vec<Value> = serde_saphyr::from_multiple(&text)
            .with_context(|| format!("reading what kustomize rendered from {}", dir.display()))?;
        Ok(objects.into_iter().filter(|o| !o.is_null()).collect())
    }
}

/// The program `name` as this process's PATH finds it.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `terraform` on the PATH, or where the PATH has none the OpenTofu `scripts/deploy-tools.sh` built
/// (the same language and commands); `None` (with a message; an error under `CI=true`) without
/// either.
pub fn terraform() -> anyhow::Result<Option<PathBuf>> {
    let on_path = on_path("terraform");
    if on_path.is_some() {
        return Ok(on_path);
    }
    let built = DeployTools::get()?
        .map(|tools| tools.dir.join("tofu"))
        .filter(|path| path.is_file());
    if built.is_none() {
        missing("terraform is not installed")?;
    }
    Ok(built)
}

/// Runs `terraform` with `args` in `dir`, failing with its output.
pub fn run_terraform(terraform: &Path, dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new(terraform)
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        // No user configuration: nothing but what the test writes.
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .with_context(|| format!("running terraform {args:?}"))?;
    if !output.status.success() {
        bail!(
            "terraform {args:?} failed in {}:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The objects `terraform/modules/manifests` decodes from `knative/` with `variables` (HCL
/// expressions by name), read from its output through a root module of the test's own: the
/// objects `terraform/modules/knative` applies. That module needs no provider, so this runs
/// offline.
pub fn terraform_manifests(
    terraform: &Path,
    variables: &[(&str, &str)],
) -> anyhow::Result<Vec<Value>> {
    let root = tempfile::tempdir()?;
    let module = repo_root().join("terraform/modules/manifests");
    let module = module
        .canonicalize()
        .with_context(|| format!("finding {}", module.display()))?;
    // A local module must be named by a relative path: an absolute one is copied into
    // `.terraform/modules`, away from the `knative/` folder it reads.
    let root_path = root.path().canonicalize()?;
    let up = "../".repeat(root_path.components().count() - 1);
    let relative = format!("{up}{}", module.to_string_lossy().trim_start_matches('/'));
    let mut text = format!("module \"manifests\" {{\n  source = \"{relative}\"\n");
    for (name, value) in variables {
        text.push_str(&format!("  {name} = {value}\n"));
    }
    text.push_str("}\n\noutput \"objects\" {\n  value = module.manifests.objects\n}\n");
    std::fs::write(root.path().join("main.tf"), text)?;
    run_terraform(
        terraform,
        &root_path,
        &["init", "-input=false", "-no-color"],
    )?;
    run_terraform(
        terraform,
        &root_path,
        &["apply", "-input=false", "-no-color", "-auto-approve"],
    )?;
    let output = run_terraform(terraform, &root_path, &["output", "-json", "objects"])?;
    let objects: serde_json::Map<String, Value> =
        serde_json::from_str(&output).context("reading terraform's output")?;
    Ok(objects.into_values().collect())
}

/// The folder of the binaries the workspace build made (beside this test's own binary), when
/// every one of [`BINARIES`] is there. Without them (a test run of this crate alone) `None`
/// with a message; under `CI=true` an error, since `scripts/test.sh` builds them.
pub fn built_binaries() -> anyhow::Result<Option<PathBuf>> {
    let exe = std::env::current_exe()?;
    let Some(dir) = exe.parent().and_then(Path::parent) else {
        bail!("no target folder above {}", exe.display());
    };
    let absent: Vec<&str> = BINARIES
        .iter()
        .copied()
        .filter(|name| !dir.join(name).is_file())
        .collect();
    if absent.is_empty() {
        return Ok(Some(dir.to_path_buf()));
    }
    missing(&format!(
        "the binaries {absent:?} are not built in {} (cargo build --workspace --bins)",
        dir.display()
    ))?;
    Ok(None)
}

/// A container registry on loopback (`crane registry serve`), stopped when dropped.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    _blobs: tempfile::TempDir,
}

impl Registry {
    pub fn start(tools: &DeployTools) -> anyhow::Result<Registry> {
        let blobs = tempfile::tempdir()?;
        let port = crate::free_port()?;
        let address = format!("127.0.0.1:{port}");
        let mut child = Command::new(tools.crane())
            .args(["registry", "serve", "--address", &address, "--disk"])
            .arg(blobs.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting crane's registry")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&address).is_err() {
            if let Some(status) = child.try_wait()? {
                bail!("crane's registry exited at once: {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("crane's registry did not listen on {address} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Registry {
            child,
            address,
            _blobs: blobs,
        })
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a script of the repository with `args`, returning its standard output; its standard
/// error goes to the test's, and a failure names the script.
pub fn run_script(script: &str, args: &[&str]) -> anyhow::Result<String> {
    let mut child = Command::new(repo_root().join("scripts").join(script))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("running scripts/{script}"))?;
    let mut lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            lines.push(line?);
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("scripts/{script} {args:?} failed: {status}");
    }
    Ok(lines.join("\n"))
}
