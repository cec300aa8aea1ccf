//! Loads a configuration once, either fully or as a bare YAML parse into generic trees, so that
//! `scripts/bench-config.sh` can measure each one's time and peak memory in its own process.
//!
//! Usage: load_once <full|bare> CONFIG_PATH JOB_CONFIG_PATH [PLUGIN_CONFIG]

use prow_config::{ConfigPaths, LoadOptions};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(config), Some(jobs)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: load_once <full|bare> CONFIG_PATH JOB_CONFIG_PATH [PLUGIN_CONFIG]");
        return ExitCode::FAILURE;
    };
    let paths = ConfigPaths {
        config_path: PathBuf::from(config),
        job_config_path: Some(PathBuf::from(jobs)),
        plugin_config: args.get(4).map(PathBuf::from),
    };
    let sources = match prow_config::read_sources(&paths) {
        Ok(sources) => sources,
        Err(problems) => {
            problems.iter().for_each(|p| eprintln!("{p}"));
            return ExitCode::FAILURE;
        }
    };
    match mode.as_str() {
        "full" => match prow_config::load_sources(&sources, LoadOptions::default()) {
            Ok(loaded) => {
                eprintln!("{}", loaded.config.jobs.counts());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::FAILURE
            }
        },
        "bare" => {
            // Keep every tree alive, as a loaded configuration is kept.
            let trees: Vec<_> = std::iter::once(&sources.config)
                .chain(&sources.job_files)
                .chain(&sources.plugins)
                .map(|s| prow_config::parse_generic(&s.text))
                .collect();
            let failed = trees.iter().filter(|t| t.is_err()).count();
            eprintln!("{} files parsed, {failed} failed", trees.len());
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("unknown mode {other:?}: use full or bare");
            ExitCode::FAILURE
        }
    }
}
