//! Real git repositories for tests that clone one: a base commit on `main` and a pull request's
//! commit at `refs/pull/<number>/head`, as GitHub serves a pull request.

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` as a fixed author; what it printed, trimmed. The test fails when git does.
#[expect(
    clippy::panic,
    reason = "test infrastructure: a repository a test cannot build fails the test"
)]
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap_or_else(|error| panic!("git {args:?}: {error}"));
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A repository at `repo` whose `main` holds `base` (a file's name and text), and whose pull
/// request `number` adds `change` on top, at `refs/pull/<number>/head`; `main` is left checked
/// out. Returns (base sha, pull request sha).
pub fn repository_with_pull(
    repo: &Path,
    base: (&str, &str),
    number: u64,
    change: (&str, &str),
) -> std::io::Result<(String, String)> {
    std::fs::create_dir_all(repo)?;
    git(repo, &["init", "--quiet", "-b", "main"]);
    std::fs::write(repo.join(base.0), base.1)?;
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "base"]);
    let base_sha = git(repo, &["rev-parse", "HEAD"]);
    git(repo, &["checkout", "--quiet", "-b", "pr"]);
    std::fs::write(repo.join(change.0), change.1)?;
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "pr"]);
    let head = git(repo, &["rev-parse", "HEAD"]);
    git(
        repo,
        &["update-ref", &format!("refs/pull/{number}/head"), &head],
    );
    git(repo, &["checkout", "--quiet", "main"]);
    Ok((base_sha, head))
}
