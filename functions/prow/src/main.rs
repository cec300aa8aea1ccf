//! `prow`: the operator's command-line tool. `prow checkconfig` validates configuration as
//! upstream's `checkconfig` does, with upstream's flag names.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod checkconfig;

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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Checkconfig(args) => checkconfig::run(&args),
    }
}
