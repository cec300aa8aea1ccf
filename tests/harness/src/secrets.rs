//! Whether a secret shows in a log, in any form it could take there: as itself, or base64-encoded
//! anywhere inside a longer value (an `Authorization: Basic` header, a git credential, a JSON
//! blob), in the standard or the URL-safe alphabet; and signed JWTs (a GitHub App's, an OIDC
//! token), which are credentials too. For the tests that run functions at `RUST_LOG=trace`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// The texts that would show `secret` in a log: itself, and for each of the three alignments it
/// can have inside a longer base64 value, the characters that only its bytes decide (in both
/// alphabets). Shorter secrets than 8 bytes are matched as themselves only.
pub fn needles(secret: &str) -> Vec<String> {
    let mut found = vec![secret.to_string()];
    if secret.len() < 8 {
        return found;
    }
    for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
        for offset in 0..3usize {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            // Characters mixing the filler's bits with the secret's come first; those mixing the
            // secret's last bits with whatever follows it come last.
            let start = (offset * 8).div_ceil(6);
            let end = (bytes.len() * 8) / 6;
            if end > start + 8 {
                found.push(encoded[start..end].to_string());
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// Each `(name, secret)` of `secrets` that shows in `log`, with the form it shows in.
pub fn leaks(log: &str, secrets: &[(&str, &str)]) -> Vec<String> {
    let mut leaked = Vec::new();
    for (name, secret) in secrets {
        for needle in needles(secret) {
            if log.contains(&needle) {
                let form = if needle == *secret {
                    "as is"
                } else {
                    "base64-encoded"
                };
                leaked.push(format!("{name} ({form}: {needle})"));
            }
        }
    }
    leaked
}

/// The signed JWTs in `log` (`<header>.<claims>.<signature>`, each part base64url, the first two
/// JSON objects).
pub fn jwts(log: &str) -> Vec<String> {
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut found = Vec::new();
    let mut rest = log;
    while let Some(at) = rest.find("eyJ") {
        let candidate: String = rest[at..]
            .chars()
            .take_while(|c| is_part(*c) || *c == '.')
            .collect();
        let parts: Vec<&str> = candidate.split('.').collect();
        if parts.len() >= 3
            && parts[1].starts_with("eyJ")
            && parts[2].len() >= 16
            && URL_SAFE_NO_PAD.decode(parts[0]).is_ok()
        {
            found.push(candidate.clone());
        }
        rest = &rest[at + 3..];
    }
    found
}

/// The bearer token of a kubeconfig's first user (`token: ...`), as the test control plane
/// writes it.
pub fn kubeconfig_token(kubeconfig: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(kubeconfig)?;
    text.lines()
        .find_map(|line| line.trim().strip_prefix("token:"))
        .map(|token| token.trim().to_string())
        .ok_or_else(|| anyhow::anyhow!("no token in {}", kubeconfig.display()))
}

/// A function's process started at `RUST_LOG=trace` on a port of its own, its stdout and stderr
/// in one log file; killed when dropped or [`TracedProcess::finish`]ed.
pub struct TracedProcess {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl TracedProcess {
    /// Starts `command` (the binary with its flags) on `port`, logging into `dir/out.log`, and
    /// waits until it listens (at most 20 s).
    pub fn start(
        mut command: std::process::Command,
        dir: &std::path::Path,
        port: u16,
    ) -> anyhow::Result<TracedProcess> {
        let log = dir.join("out.log");
        let out = std::fs::File::create(&log)?;
        let child = command
            .env("PORT", port.to_string())
            .env("RUST_LOG", "trace")
            .env_remove("K_SINK")
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let process = TracedProcess { child, log };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if std::time::Instant::now() > deadline {
                anyhow::bail!(
                    "{:?} did not listen on {port} within 20 s; its log: {}",
                    command.get_program(),
                    std::fs::read_to_string(&process.log).unwrap_or_default()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(process)
    }

    /// Stops the process and returns everything it printed, which must include trace lines.
    pub fn finish(mut self) -> anyhow::Result<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::read_to_string(&self.log)?;
        if !log.contains("\"level\":\"TRACE\"") {
            anyhow::bail!("the log is not at trace level ({} bytes)", log.len());
        }
        Ok(log)
    }
}

impl Drop for TracedProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_found_inside_any_base64_value() {
        let secret = "ghp_0123456789abcdefLEAK";
        for prefix in ["", "x", "x-access-token:", "ab"] {
            let value = format!("{prefix}{secret}:x-oauth-basic");
            for engine in [
                base64::engine::general_purpose::STANDARD,
                base64::engine::general_purpose::URL_SAFE,
            ] {
                let log = format!("authorization: Basic {}", engine.encode(&value));
                assert_eq!(
                    leaks(&log, &[("token", secret)]).len(),
                    1,
                    "{prefix}: {log}"
                );
            }
        }
        assert!(leaks("nothing here", &[("token", secret)]).is_empty());
    }

    #[test]
    fn jwts_are_found_and_other_dotted_text_is_not() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiI0MjQyIn0.c2lnbmF0dXJlLW9mLXRoZS1hcHA";
        assert_eq!(
            jwts(&format!("{{\"authorization\":\"Bearer {jwt}\"}}")),
            [jwt]
        );
        assert!(jwts("eyJ alone, a.b.c, version 1.2.3").is_empty());
    }
}
