//! clonerefs (upstream `pkg/clonerefs`, `pkg/pod-utils/clone`): clones each set of refs into the
//! job's source tree with the git CLI, checks out the base, and merges each pull request onto it,
//! recording every command and its output as upstream's `clone-records.json` does.

use prow_api::Refs;
use prow_api::downward::{CloneCommand, CloneRecord};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where repositories are cloned from: `https://github.com` in production, a file URL or the
/// GitHub stand-in in tests. A ref's own `clone_uri` wins.
#[derive(Clone, Debug)]
pub struct CloneSource {
    pub base_url: String,
}

impl Default for CloneSource {
    fn default() -> Self {
        CloneSource {
            base_url: "https://github.com".into(),
        }
    }
}

impl CloneSource {
    pub fn uri(&self, refs: &Refs) -> String {
        if !refs.clone_uri.is_empty() {
            return refs.clone_uri.clone();
        }
        format!(
            "{}/{}/{}.git",
            self.base_url.trim_end_matches('/'),
            refs.org,
            refs.repo
        )
    }
}

/// Where `refs` are cloned under `base` (`$GOPATH`, upstream `clone.PathForRefs`):
/// `base/src/<path_alias>`, `base/src/<repo_link without scheme>` or
/// `base/src/github.com/<org>/<repo>`.
pub fn clone_dir(base: &Path, refs: &Refs) -> PathBuf {
    base.join("src").join(prow_api::downward::source_path(refs))
}

fn nanos(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_nanos()).unwrap_or(i64::MAX)
}

struct Recorder {
    dir: PathBuf,
    commands: Vec<CloneCommand>,
}

impl Recorder {
    async fn git(&mut self, args: &[&str]) -> bool {
        let started = Instant::now();
        let output = tokio::process::Command::new("git")
            .args(args)
            .current_dir(&self.dir)
            // Merges need an identity and never an editor or a prompt.
            .env("GIT_AUTHOR_NAME", "ci-robot")
            .env("GIT_AUTHOR_EMAIL", "ci-robot@prow.invalid")
            .env("GIT_COMMITTER_NAME", "ci-robot")
            .env("GIT_COMMITTER_EMAIL", "ci-robot@prow.invalid")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_EDITOR", "true")
            .output()
            .await;
        let (text, error, ok) = match output {
            Ok(output) => {
                let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
                text.push_str(&String::from_utf8_lossy(&output.stderr));
                let error = if output.status.success() {
                    String::new()
                } else {
                    format!("git exited with {}", output.status)
                };
                (text, error, output.status.success())
            }
            Err(e) => (String::new(), format!("could not run git: {e}"), false),
        };
        self.commands.push(CloneCommand {
            command: format!("git {}", args.join(" ")),
            output: text,
            error,
            duration: nanos(started),
        });
        ok
    }

    async fn head(&mut self) -> Option<String> {
        let output = tokio::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(&self.dir)
            .output()
            .await
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    }
}

/// Clones `refs` under `base` (see [`clone_dir`]): the base at `base_sha` (or the tip of `base_ref`), then each
/// pull request merged onto it with `--no-ff`. Never fails: a failed step marks the record failed.
pub async fn clone_refs(refs: &Refs, base: &Path, source: &CloneSource) -> CloneRecord {
    let started = Instant::now();
    let dir = clone_dir(base, refs);
    let mut recorder = Recorder {
        dir: dir.clone(),
        commands: Vec::new(),
    };
    let uri = source.uri(refs);
    let mut failed = match tokio::fs::create_dir_all(&dir).await {
        Ok(()) => false,
        Err(e) => {
            recorder.commands.push(CloneCommand {
                command: format!("mkdir -p {}", dir.display()),
                output: String::new(),
                error: e.to_string(),
                duration: 0,
            });
            true
        }
    };
    let target = if refs.base_sha.is_empty() {
        "FETCH_HEAD"
    } else {
        refs.base_sha.as_str()
    };
    let mut steps: Vec<Vec<String>> = vec![
        vec!["init".into(), "--quiet".into()],
        vec![
            "fetch".into(),
            uri.clone(),
            "--tags".into(),
            "--prune".into(),
        ],
        vec!["fetch".into(), uri.clone(), refs.base_ref.clone()],
        vec!["checkout".into(), "--quiet".into(), target.into()],
        vec![
            "branch".into(),
            "--force".into(),
            refs.base_ref.clone(),
            target.into(),
        ],
        vec!["checkout".into(), "--quiet".into(), refs.base_ref.clone()],
    ];
    for pull in &refs.pulls {
        let pull_ref = if pull.r#ref.is_empty() {
            format!("pull/{}/head", pull.number)
        } else {
            pull.r#ref.clone()
        };
        steps.push(vec!["fetch".into(), uri.clone(), pull_ref]);
        let commit = if pull.sha.is_empty() {
            "FETCH_HEAD".to_string()
        } else {
            pull.sha.clone()
        };
        steps.push(vec![
            "merge".into(),
            "--no-ff".into(),
            "--no-stat".into(),
            "-m".into(),
            format!("Merge PR #{}", pull.number),
            commit,
        ]);
    }
    if !refs.skip_submodules {
        steps.push(vec![
            "submodule".into(),
            "update".into(),
            "--init".into(),
            "--recursive".into(),
        ]);
    }
    for step in &steps {
        if failed {
            break;
        }
        let args: Vec<&str> = step.iter().map(String::as_str).collect();
        failed = !recorder.git(&args).await;
    }
    let final_sha = if failed {
        String::new()
    } else {
        recorder.head().await.unwrap_or_default()
    };
    CloneRecord {
        refs: refs.clone(),
        commands: recorder.commands,
        failed,
        final_sha,
        duration: nanos(started),
    }
}

/// The human-readable clone log (upstream `clone.FormatRecord`).
pub fn format_record(record: &CloneRecord) -> String {
    let mut text = format!("Cloning {}/{} at {}", record.refs.org, record.refs.repo, {
        if record.refs.base_sha.is_empty() {
            record.refs.base_ref.clone()
        } else {
            format!("{}({})", record.refs.base_ref, record.refs.base_sha)
        }
    });
    for pull in &record.refs.pulls {
        text.push_str(&format!(", and merging #{}({})", pull.number, pull.sha));
    }
    text.push('\n');
    for command in &record.commands {
        text.push_str(&format!("$ {}\n{}", command.command, command.output));
        if !command.error.is_empty() {
            text.push_str(&format!("# Error: {}\n", command.error));
        }
    }
    if !record.final_sha.is_empty() {
        text.push_str(&format!("# Final SHA: {}\n", record.final_sha));
    }
    text
}
