//! `prow`: the operator's command-line tool. `prow checkconfig` validates configuration as
//! upstream's `checkconfig` does, with upstream's flag names. `prow local` runs every function in
//! one process on embedded adapters (`--demo`: against a GitHub stand-in, with a pull request). `prow clonerefs|initupload|
//! entrypoint|sidecar` are the pod utilities a decorated job's pod runs; invoked under one of
//! those names (an image's `/entrypoint` linked to this binary) it runs that utility, as
//! upstream's utility images do.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod checkconfig;
mod local_command;

#[derive(Parser)]
#[command(
    name = "prow",
    version,
    about = "Prow, rebuilt as scale-to-zero functions: operator commands"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load and validate config.yaml, the job configs and plugins.yaml; print the job counts.
    Checkconfig(checkconfig::Args),
    /// Print the ProwJob trigger or horologium would create for a job, as YAML (upstream's mkpj).
    Mkpj(MkpjArgs),
    /// Every function in one process on embedded adapters (`--demo`: with a GitHub stand-in).
    Local(Box<local_command::Args>),
    /// Make GitHub's branch protection what config.yaml's `branch-protection:` says (dry run
    /// unless --confirm), as upstream's branchprotector.
    Branchprotector(Box<prow::orgadmin::BranchprotectorArgs>),
    /// Make an org's settings, members, teams and repositories what a peribolos YAML says (dry
    /// run unless --confirm), or --dump an org as that YAML, as upstream's peribolos.
    Peribolos(Box<prow::orgadmin::PeribolosArgs>),
    /// Pod utility: clone the refs in $CLONEREFS_OPTIONS.
    Clonerefs,
    /// Pod utility: upload started.json and the clone records ($INITUPLOAD_OPTIONS, $JOB_SPEC).
    Initupload,
    /// Pod utility: run the test command in $ENTRYPOINT_OPTIONS with its timeout.
    Entrypoint {
        /// Only copy this binary to --copy-destination (the place-entrypoint init container).
        #[arg(long = "copy-mode-only")]
        copy_mode_only: bool,
        #[arg(long = "copy-destination", default_value = "/tools/entrypoint")]
        copy_destination: String,
    },
    /// Pod utility: wait for the tests, then upload logs, artifacts and finished.json.
    Sidecar,
}

#[derive(clap::Args)]
struct MkpjArgs {
    /// Path to config.yaml.
    #[arg(long = "config-path")]
    config_path: std::path::PathBuf,
    /// Path to the job config directory (or a single file).
    #[arg(long = "job-config-path")]
    job_config_path: Option<std::path::PathBuf>,
    #[command(flatten)]
    request: prow::mkpj::Request,
}

/// A random version-4 UUID, from the standard library's randomly keyed hasher.
fn random_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let word = || {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.finish()
    };
    let (high, low) = (word(), word());
    let high = (high & !0xf000) | 0x4000;
    let low = (low & !(0xc << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// `prow mkpj`: loads the configuration, prints the job's ProwJob as YAML.
fn mkpj(args: &MkpjArgs) -> ExitCode {
    let paths = prow_config::ConfigPaths {
        config_path: args.config_path.clone(),
        job_config_path: args.job_config_path.clone(),
        plugin_config: None,
    };
    let loaded = match prow_config::load(&paths, prow_config::LoadOptions::default()) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let now = prow_ports::clock::Clock::now(&prow_ports::clock::SystemClock);
    // A name of its own, as upstream's (a new UUID each time).
    let name = random_uuid();
    let printed = prow::mkpj::prowjob(&loaded.config, &args.request, &name, now)
        .map_err(|e| e.to_string())
        .and_then(|job| serde_saphyr::to_string(&job).map_err(|e| e.to_string()));
    match printed {
        Ok(yaml) => {
            use std::io::Write;
            // A closed pipe (`| head`) is not worth a panic.
            let _ = std::io::stdout().lock().write_all(yaml.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mkpj: {error}");
            ExitCode::FAILURE
        }
    }
}

type AdminRun<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = anyhow::Result<prow::orgadmin::Summary>> + 'a>,
>;

/// Runs an org administration command: its plan on stdout, a failure on stderr; exit 1 when
/// anything was refused or failed.
fn admin_command(
    name: &str,
    run: impl for<'a> FnOnce(&'a mut dyn std::io::Write) -> AdminRun<'a>,
) -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{name}: starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    match runtime.block_on(run(&mut stdout)) {
        Ok(summary) if summary.problems == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("{name}: {error:#}");
            ExitCode::FAILURE
        }
    }
}

const UTILITIES: [&str; 4] = ["clonerefs", "initupload", "entrypoint", "sidecar"];

/// Runs a pod utility to completion; its exit code is the process's.
fn utility(name: &str, args: &[String]) -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{name}: starting the runtime: {error}");
            return ExitCode::from(127);
        }
    };
    match runtime.block_on(prow_podutils::tools::run_utility(name, args)) {
        Some(Ok(code)) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Some(Err(error)) => {
            eprintln!("{name}: {error:#}");
            ExitCode::from(127)
        }
        None => ExitCode::from(2),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let invoked_as = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    if UTILITIES.contains(&invoked_as.as_str()) {
        return utility(&invoked_as, &args[1..]);
    }
    match Cli::parse().command {
        Command::Checkconfig(args) => checkconfig::run(&args),
        Command::Mkpj(args) => mkpj(&args),
        Command::Local(args) => local_command::run(*args),
        Command::Branchprotector(args) => admin_command("branchprotector", move |out| {
            Box::pin(async move { prow::orgadmin::branchprotector(&args, out).await })
        }),
        Command::Peribolos(args) => admin_command("peribolos", move |out| {
            Box::pin(async move { prow::orgadmin::peribolos(&args, out).await })
        }),
        Command::Clonerefs => utility("clonerefs", &[]),
        Command::Initupload => utility("initupload", &[]),
        Command::Sidecar => utility("sidecar", &[]),
        Command::Entrypoint {
            copy_mode_only,
            copy_destination,
        } => {
            let mut flags = vec![format!("--copy-destination={copy_destination}")];
            if copy_mode_only {
                flags.push("--copy-mode-only".into());
            }
            utility("entrypoint", &flags)
        }
    }
}
