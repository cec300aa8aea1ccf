//! Upstream Prow's own binaries, built from the Go module proxy by `scripts/kube-testenv.sh
//! upstream NAME` into the test-environment cache, for differential tests: `checkconfig` and
//! `mkpj` from upstream's `cmd/`, and our Go test tools under `tests/upstream/` (such as
//! `configdump`) compiled against upstream's packages.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Exit status of the script when Go is missing.
const NO_GO: i32 = 3;

/// The path of upstream's `name`, built on first use. `None` (with a message on stderr) when Go
/// is not installed, so a laptop without Go still runs the other tests; under `CI=true` that is
/// an error.
pub fn upstream_prow(name: &str) -> anyhow::Result<Option<PathBuf>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/kube-testenv.sh");
    let output = Command::new(&script)
        .args(["upstream", name])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {} upstream {name}", script.display()))?;
    if output.status.code() == Some(NO_GO) {
        if std::env::var_os("CI").is_some() {
            bail!("Go is not installed, so upstream's {name} cannot be built; install it (README)");
        }
        eprintln!("SKIPPED: Go is not installed, so upstream's {name} cannot be built (README)");
        return Ok(None);
    }
    if !output.status.success() {
        bail!("building upstream's {name} failed ({})", output.status);
    }
    let path = String::from_utf8(output.stdout).context("the script printed a path")?;
    let path = PathBuf::from(path.trim());
    if !path.is_file() {
        bail!("the script printed {}, which is not a file", path.display());
    }
    Ok(Some(path))
}
