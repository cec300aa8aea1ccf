//! peribolos (upstream `cmd/peribolos`): an org's settings, members, teams, team repositories
//! and repository settings kept in YAML, planned against GitHub ([`plan`]), applied only with
//! `--confirm` ([`run`]), and an org written back as that YAML ([`dump`]).

pub mod config;
mod plan;
mod run;

pub use plan::{Options, OrgChange, OrgState, Plan, PlanError, TeamRef, TeamState, norm, plan};
pub use run::{DumpError, apply, dump, observe};
