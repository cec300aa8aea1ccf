//! Who Prow trusts, as upstream's `TrustedUser` and `TrustedPullRequest` decide: the bot, a
//! trusted GitHub App, an org member, a collaborator (unless `only_org_members`), a member of
//! `trusted_org`; a pull request is trusted when its author is, or it carries `ok-to-test`.
//! Facts are asked for in upstream's order, so no more calls are made than upstream makes.

use crate::{Facts, IssueRef, NeedFacts};
use prow_config::Trigger as TriggerSettings;
use prow_ports::github::RepoRef;

/// The label a trusted member sets on an untrusted PR to run its tests.
pub const OK_TO_TEST_LABEL: &str = "ok-to-test";

/// Upstream `TrustedUser`.
pub fn trusted_user(
    facts: &Facts,
    settings: &TriggerSettings,
    login: &str,
    repo: &RepoRef,
) -> Result<bool, NeedFacts> {
    if facts.is_bot(login)? || prow_trigger::trusted_app(login, &settings.trusted_apps) {
        return Ok(true);
    }
    if facts.is_member(&repo.org, login)? {
        return Ok(true);
    }
    if !settings.only_org_members && facts.is_collaborator(repo, login)? {
        return Ok(true);
    }
    if !settings.trusted_org.is_empty() && settings.trusted_org != repo.org {
        return facts.is_member(&settings.trusted_org, login);
    }
    Ok(false)
}

/// Upstream `TrustedPullRequest`: a trusted author, or the `ok-to-test` label (unless the repo
/// ignores it).
pub fn trusted_pull_request(
    facts: &Facts,
    settings: &TriggerSettings,
    author: &str,
    pull: &IssueRef,
) -> Result<bool, NeedFacts> {
    if trusted_user(facts, settings, author, &pull.repo)? {
        return Ok(true);
    }
    if settings.ignore_ok_to_test {
        return Ok(false);
    }
    facts.has_label(pull, OK_TO_TEST_LABEL)
}

/// Whether `login` is an org member or a collaborator of the repository (what most commands
/// ask of who may use them).
pub fn member_or_collaborator(
    facts: &Facts,
    login: &str,
    repo: &RepoRef,
) -> Result<bool, NeedFacts> {
    Ok(facts.is_member(&repo.org, login)? || facts.is_collaborator(repo, login)?)
}
