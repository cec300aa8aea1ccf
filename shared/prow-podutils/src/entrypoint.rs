//! The entrypoint (upstream `pkg/entrypoint`): runs the test command with the job's environment,
//! writes everything it prints to the process log, and ends it when it runs out of time or the job
//! is aborted: an interrupt to its whole process group first, a kill after the grace period.
//! The exit code says what happened, with upstream's codes for a timeout (127) and an abort (130).

use prow_api::downward::exit_codes;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::sync::watch;

/// Upstream's defaults when the decoration config sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(15);

#[derive(Clone, Debug)]
pub struct Process {
    /// The program and its arguments (a container's `command` then `args`).
    pub command: Vec<String>,
    /// Added to the environment the entrypoint itself has.
    pub env: BTreeMap<String, String>,
    pub workdir: PathBuf,
    /// Stdout and stderr go here, interleaved as printed.
    pub log: PathBuf,
    pub timeout: Duration,
    pub grace_period: Duration,
    /// Also print the output on our stdout (in a pod, so `kubectl logs` shows it).
    pub echo: bool,
    /// Where the process group's id is written once it runs, so a later process can stop what
    /// this one leaves behind if it dies ([`stop_leftover`]).
    pub group_file: Option<PathBuf>,
}

/// How the process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Exited(i32),
    TimedOut,
    Aborted,
    /// It could not be started (the reason is in the log).
    NotStarted,
}

impl Outcome {
    /// The code upstream's entrypoint writes to its marker file.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Exited(code) => code,
            Outcome::TimedOut | Outcome::NotStarted => exit_codes::INTERNAL_ERROR,
            Outcome::Aborted => exit_codes::ABORTED,
        }
    }
}

/// Signals the process group led by `pid` (ignoring a group that is already gone).
fn signal_group(pid: Option<u32>, signal: rustix::process::Signal) {
    let Some(pid) = pid
        .and_then(|p| i32::try_from(p).ok())
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    if let Err(error) = rustix::process::kill_process_group(pid, signal) {
        tracing::debug!(%error, "signalling the test's process group");
    }
}

/// Kills the process group recorded in `group_file` by a process of ours that died while running
/// it (its children outlive it), and forgets it. Nothing happens when there is no record.
pub fn stop_leftover(group_file: &std::path::Path) {
    let Ok(text) = std::fs::read_to_string(group_file) else {
        return;
    };
    signal_group(text.trim().parse().ok(), rustix::process::Signal::KILL);
    let _ = std::fs::remove_file(group_file);
}

/// Runs `process` until it exits, times out, or `abort` turns true.
pub async fn run(process: &Process, abort: watch::Receiver<bool>) -> Outcome {
    let log = match std::fs::File::create(&process.log) {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(log = %process.log.display(), %error, "cannot create the process log");
            return Outcome::NotStarted;
        }
    };
    let write_failure = |reason: String| {
        let _ = std::fs::write(&process.log, reason);
        Outcome::NotStarted
    };
    let Some((program, args)) = process.command.split_first() else {
        return write_failure("the job's container has no command\n".into());
    };
    let (stdout, stderr, copier) = match outputs(log, process.echo) {
        Ok(outputs) => outputs,
        Err(error) => return write_failure(format!("cannot set up the process log: {error}\n")),
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .envs(&process.env)
        .current_dir(&process.workdir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .kill_on_drop(true);
    let spawned = command.spawn();
    // The command holds our ends of the output pipe; the copier ends when the process's do.
    drop(command);
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => {
            return write_failure(format!(
                "could not start the process {program:?}: {error}\n"
            ));
        }
    };
    if let (Some(file), Some(pid)) = (&process.group_file, child.id())
        && let Err(error) = std::fs::write(file, pid.to_string())
    {
        tracing::warn!(file = %file.display(), %error, "cannot record the process group");
    }
    let outcome = supervise(process, &mut child, abort).await;
    if let Some(file) = &process.group_file {
        let _ = std::fs::remove_file(file);
    }
    if let Some(copier) = copier {
        // Output a leftover background process still holds is not waited for.
        let _ = tokio::time::timeout(Duration::from_secs(2), copier).await;
    }
    if process.echo {
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    outcome
}

type Outputs = (Stdio, Stdio, Option<tokio::task::JoinHandle<()>>);

/// Where the process's stdout and stderr go: the log file, or a pipe copied to the log file and
/// to our stdout, in the order written.
fn outputs(log: std::fs::File, echo: bool) -> std::io::Result<Outputs> {
    if !echo {
        let stderr = log.try_clone()?;
        return Ok((log.into(), stderr.into(), None));
    }
    let (mut reader, writer) = std::io::pipe()?;
    let stderr = writer.try_clone()?;
    let copier = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut log = log;
        let mut buffer = [0u8; 8192];
        loop {
            match reader.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let _ = log.write_all(&buffer[..n]);
                    let _ = std::io::stdout().write_all(&buffer[..n]);
                }
            }
        }
    });
    Ok((writer.into(), stderr.into(), Some(copier)))
}

async fn supervise(
    process: &Process,
    child: &mut tokio::process::Child,
    mut abort: watch::Receiver<bool>,
) -> Outcome {
    let pid = child.id();
    let aborted = async {
        while !*abort.borrow_and_update() {
            if abort.changed().await.is_err() {
                // Nobody can abort any more: wait for the process.
                std::future::pending::<()>().await;
            }
        }
    };
    let outcome = tokio::select! {
        status = child.wait() => return exited(status),
        () = tokio::time::sleep(process.timeout) => {
            append(&process.log, &format!("\nProcess did not finish before {:?} timeout\n", process.timeout));
            Outcome::TimedOut
        }
        () = aborted => {
            append(&process.log, "\nEntrypoint received interrupt: the job was aborted\n");
            Outcome::Aborted
        }
    };
    signal_group(pid, rustix::process::Signal::INT);
    if tokio::time::timeout(process.grace_period, child.wait())
        .await
        .is_err()
    {
        append(
            &process.log,
            &format!(
                "Process did not exit within the {:?} grace period; killing it\n",
                process.grace_period
            ),
        );
    }
    // Whatever the test left behind in its group goes too.
    signal_group(pid, rustix::process::Signal::KILL);
    let _ = child.wait().await;
    outcome
}

fn exited(status: std::io::Result<std::process::ExitStatus>) -> Outcome {
    match status {
        Ok(status) => Outcome::Exited(status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            // Killed by a signal: the shell's convention.
            128 + status.signal().unwrap_or_default()
        })),
        Err(_) => Outcome::NotStarted,
    }
}

fn append(path: &std::path::Path, text: &str) {
    use std::io::Write;
    if let Ok(mut file) = std::fs::OpenOptions::new().append(true).open(path) {
        let _ = file.write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str, dir: &std::path::Path, timeout: Duration) -> Process {
        Process {
            command: vec!["/bin/sh".into(), "-c".into(), script.into()],
            env: BTreeMap::from([("GREETING".to_string(), "hello".to_string())]),
            workdir: dir.to_path_buf(),
            log: dir.join("process-log.txt"),
            timeout,
            grace_period: Duration::from_millis(200),
            echo: false,
            group_file: None,
        }
    }

    #[tokio::test]
    async fn exit_codes_and_output_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (_tx, rx) = watch::channel(false);
        let process = shell(
            "echo $GREETING; echo oops >&2; exit 3",
            dir.path(),
            DEFAULT_TIMEOUT,
        );
        assert_eq!(run(&process, rx).await, Outcome::Exited(3));
        let log = std::fs::read_to_string(dir.path().join("process-log.txt")).unwrap();
        assert_eq!(log, "hello\noops\n");
    }

    #[tokio::test]
    async fn echoed_output_is_logged_in_the_order_written() {
        let dir = tempfile::tempdir().unwrap();
        let (_tx, rx) = watch::channel(false);
        let mut process = shell(
            "echo one; echo two >&2; echo three",
            dir.path(),
            DEFAULT_TIMEOUT,
        );
        process.echo = true;
        assert_eq!(run(&process, rx).await, Outcome::Exited(0));
        let log = std::fs::read_to_string(dir.path().join("process-log.txt")).unwrap();
        assert_eq!(log, "one\ntwo\nthree\n");
    }

    #[tokio::test]
    async fn a_timeout_interrupts_the_whole_group_and_reports_127() {
        let dir = tempfile::tempdir().unwrap();
        let (_tx, rx) = watch::channel(false);
        // The child ignores SIGINT, so the kill after the grace period is what ends it.
        let process = shell(
            "trap '' INT; sleep 30 & wait",
            dir.path(),
            Duration::from_millis(300),
        );
        let outcome = run(&process, rx).await;
        assert_eq!(outcome, Outcome::TimedOut);
        assert_eq!(outcome.exit_code(), 127);
        let log = std::fs::read_to_string(dir.path().join("process-log.txt")).unwrap();
        assert!(log.contains("did not finish before"), "{log}");
        assert!(log.contains("grace period"), "{log}");
    }

    #[tokio::test]
    async fn an_abort_reports_130() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = watch::channel(false);
        let process = shell("sleep 30", dir.path(), DEFAULT_TIMEOUT);
        let running = tokio::spawn(async move { run(&process, rx).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        tx.send(true).unwrap();
        assert_eq!(running.await.unwrap(), Outcome::Aborted);
    }

    #[tokio::test]
    async fn a_missing_program_is_an_internal_error_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (_tx, rx) = watch::channel(false);
        let mut process = shell("", dir.path(), DEFAULT_TIMEOUT);
        process.command = vec!["/no/such/program".into()];
        assert_eq!(run(&process, rx).await, Outcome::NotStarted);
        let log = std::fs::read_to_string(dir.path().join("process-log.txt")).unwrap();
        assert!(log.contains("/no/such/program"), "{log}");
    }
}
