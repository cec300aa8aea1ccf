//! An org administered from source control, as upstream's operator tools do it:
//!
//! - [`branchprotector`]: the `branch-protection:` section of `config.yaml`, with the contexts of
//!   required presubmits, made GitHub's branch protection;
//! - [`peribolos`]: an org's settings, members, teams, team repositories and repository settings
//!   from peribolos' YAML, with upstream's safety rails, and `--dump` of an org as that YAML.
//!
//! Boundary: the decisions are pure functions of the desired state and GitHub's (tables test
//! them); the `run` functions read GitHub and apply through the
//! [`prow_ports::github_admin::GitHubOrgAdmin`] port, and change nothing unless told to confirm.
//! No async runtime and no HTTP client here.

pub mod branchprotector;
pub mod peribolos;
