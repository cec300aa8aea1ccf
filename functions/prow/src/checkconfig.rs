//! `prow checkconfig`: every problem on its own line as `file:line:column: error: job "x": ...`,
//! then, on success, the counts line scripts read.

use prow_config::{ConfigPaths, LoadOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Path to config.yaml.
    #[arg(long = "config-path")]
    config_path: PathBuf,
    /// Path to the job config directory (or a single file).
    #[arg(long = "job-config-path")]
    job_config_path: Option<PathBuf>,
    /// Path to plugins.yaml.
    #[arg(long = "plugin-config")]
    plugin_config: Option<PathBuf>,
    /// Treat unknown fields as errors instead of warnings.
    #[arg(long)]
    strict: bool,
    /// Also write the prepared configuration here, for functions started with
    /// `--prepared-config` at the same path: they then wake without parsing the job files.
    #[arg(long = "write-prepared")]
    write_prepared: Option<PathBuf>,
}

pub fn run(args: &Args) -> ExitCode {
    let paths = ConfigPaths {
        config_path: args.config_path.clone(),
        job_config_path: args.job_config_path.clone(),
        plugin_config: args.plugin_config.clone(),
    };
    let options = LoadOptions {
        strict: args.strict,
    };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    // A closed pipe (`| head`) is not worth a panic; write errors are ignored.
    let loaded = prow_config::read_sources(&paths)
        .map_err(|diagnostics| prow_config::LoadError { diagnostics })
        .and_then(|sources| Ok((prow_config::load_sources(&sources, options)?, sources)));
    match loaded {
        Ok((loaded, sources)) => {
            for warning in &loaded.warnings {
                let _ = writeln!(stderr, "{warning}");
            }
            if let Some(path) = &args.write_prepared
                && let Err(error) = prow_config::write_prepared(path, &loaded.config.jobs, &sources)
            {
                let _ = writeln!(
                    stderr,
                    "checkconfig: cannot write the prepared configuration to {}: {error}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
            let _ = writeln!(stdout, "{}", loaded.config.jobs.counts());
            // The process ends here: freeing a large configuration value by value would only
            // delay the exit (by tens of milliseconds for Kubernetes' thousands of jobs).
            std::mem::forget(loaded);
            ExitCode::SUCCESS
        }
        Err(error) => {
            for diagnostic in &error.diagnostics {
                let _ = writeln!(stderr, "{diagnostic}");
            }
            let errors = error.errors().count();
            let _ = writeln!(stderr, "checkconfig: {errors} error(s) found");
            ExitCode::FAILURE
        }
    }
}
