//! The `tide` status context of a pull request in scope (upstream `pkg/tide/status.go`): in the
//! merge pool, or why not, in upstream's words, within GitHub's 140 characters. Tide writes it
//! only when it differs from what the pull request shows.

use crate::ContextPolicy;
use crate::pool::{MergeState, PullRequest, ReviewDecision, TIDE_CONTEXT};
use prow_config::TideQuery;

pub const IN_POOL: &str = "In merge pool.";
pub const IN_POOL_DESPITE_BLOCKED: &str = "In merge pool (despite BLOCKED).";
/// GitHub refuses longer descriptions.
pub const MAX_DESCRIPTION: usize = 140;
/// Label lists in a description are cut to about this many characters (at least one label).
const MAX_LABEL_CHARS: usize = 50;

/// Upstream `github_merge_blocks_policy`: what GitHub's `BLOCKED` merge state means to tide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MergeBlocksPolicy {
    Ignore,
    #[default]
    Permit,
    Block,
}

impl MergeBlocksPolicy {
    pub fn parse(value: &str) -> Option<MergeBlocksPolicy> {
        match value {
            "ignore" => Some(MergeBlocksPolicy::Ignore),
            "" | "permit" => Some(MergeBlocksPolicy::Permit),
            "block" => Some(MergeBlocksPolicy::Block),
            _ => None,
        }
    }
}

/// The state and description tide's context should show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    /// `success`, `pending` or `error`, as GitHub spells them.
    pub state: &'static str,
    pub description: String,
}

impl Expected {
    fn new(state: &'static str, description: String) -> Expected {
        Expected {
            state,
            description: truncate(&description),
        }
    }

    /// Whether the pull request shows this already (then nothing is written).
    pub fn shown_on(&self, pr: &PullRequest) -> bool {
        pr.contexts.iter().any(|c| {
            c.name == TIDE_CONTEXT
                && c.description == self.description
                && match self.state {
                    "success" => c.state == crate::ContextState::Success,
                    "pending" => c.state == crate::ContextState::Pending,
                    _ => c.state == crate::ContextState::Failure,
                }
        })
    }
}

fn not_in_pool(reason: &str) -> String {
    format!("Not mergeable.{reason}")
}

/// Upstream `requirementDiff`: why `pr` falls short of `query` (a leading space, then the first
/// reason in upstream's order), and how far it is (wrong branch weighs most, then author,
/// milestone, review and GitHub's block, then one per label and context).
pub fn requirement_diff(
    pr: &PullRequest,
    query: &TideQuery,
    policy: &ContextPolicy,
    blocks: MergeBlocksPolicy,
) -> (String, u32) {
    let mut description = String::new();
    let mut diff = 0;
    let first = |reason: String, description: &mut String| {
        if description.is_empty() {
            *description = reason;
        }
    };
    if !crate::query::admits_branch(query, &pr.base_ref) {
        diff += 2000;
        first(
            format!(" Merging to branch {} is forbidden.", pr.base_ref),
            &mut description,
        );
    }
    let wanted_author = norm_login(&query.author);
    if !wanted_author.is_empty() && norm_login(&pr.author) != wanted_author {
        diff += 1000;
        first(
            format!(" Must be by author {wanted_author}."),
            &mut description,
        );
    }
    if !query.milestone.is_empty() && pr.milestone.as_deref() != Some(query.milestone.as_str()) {
        diff += 100;
        first(
            format!(" Must be in milestone {}.", query.milestone),
            &mut description,
        );
    }
    let mut missing: Vec<String> = query
        .labels
        .iter()
        .filter(|entry| !entry.split(',').any(|label| pr.has_label(label)))
        .map(|entry| entry.replace(',', " or "))
        .collect();
    diff += count(&missing);
    if !missing.is_empty() {
        missing.sort();
        first(labels_reason("Needs", &missing), &mut description);
    }
    let mut unwanted: Vec<String> = query
        .missing_labels
        .iter()
        .filter(|label| pr.has_label(label))
        .cloned()
        .collect();
    diff += count(&unwanted);
    if !unwanted.is_empty() {
        unwanted.sort();
        first(
            labels_reason("Should not have", &unwanted),
            &mut description,
        );
    }
    let mut contexts: Vec<String> = pr
        .unsuccessful_contexts(policy)
        .into_iter()
        .map(|c| c.name)
        .collect();
    diff += count(&contexts);
    if !contexts.is_empty() {
        contexts.sort();
        contexts.dedup();
        let shown = truncate_labels(&contexts);
        let reason = if shown.len() == 1 {
            format!(" Job {} has not succeeded.", shown[0])
        } else {
            format!(" Jobs {} have not succeeded.", shown.join(", "))
        };
        first(reason, &mut description);
    }
    if query.review_approved_required && pr.review_decision != ReviewDecision::Approved {
        diff += 50;
        first(
            " PullRequest is missing sufficient approving GitHub review(s)".to_string(),
            &mut description,
        );
    }
    if blocks == MergeBlocksPolicy::Block && pr.merge_state == MergeState::Blocked {
        diff += 100;
        first(
            " Blocked by GitHub (branch rulesets or protection)".to_string(),
            &mut description,
        );
    }
    (description, diff)
}

fn count(items: &[String]) -> u32 {
    u32::try_from(items.len()).unwrap_or(u32::MAX)
}

/// " Needs a, b labels." with the list cut to fit.
fn labels_reason(verb: &str, labels: &[String]) -> String {
    let shown = truncate_labels(labels);
    if shown.len() == 1 {
        format!(" {verb} {} label.", shown[0])
    } else {
        format!(" {verb} {} labels.", shown.join(", "))
    }
}

/// Upstream's `truncate`: as many as fit in about 50 characters, at least one.
fn truncate_labels(labels: &[String]) -> &[String] {
    let Some(first) = labels.first() else {
        return labels;
    };
    let mut chars = first.len();
    let mut kept = 1;
    for label in &labels[1..] {
        if chars + label.len() > MAX_LABEL_CHARS {
            break;
        }
        chars += label.len() + 2;
        kept += 1;
    }
    &labels[..kept]
}

/// Upstream `github.NormLogin`.
fn norm_login(login: &str) -> String {
    login.trim_start_matches('@').to_lowercase()
}

/// What decides a pull request's `tide` context besides the pull request itself.
pub struct StatusInput<'a> {
    /// The queries covering its repository.
    pub queries: &'a [&'a TideQuery],
    pub policy: &'a ContextPolicy,
    pub blocks: MergeBlocksPolicy,
    pub in_pool: bool,
    /// Blocker issues of its branch (numbers).
    pub blockers: &'a [u64],
    /// The contexts of the jobs that passed for its head on the current base, alone or in a
    /// batch (when it is in the pool): [`crate::Subpool::passing_contexts`].
    pub passing: &'a [String],
    /// Upstream's `display_all_tide_queries_in_status`.
    pub display_all_queries: bool,
    /// Why tide may not merge it at all (a merge method its repository forbids), if so.
    pub not_allowed: Option<&'a str>,
}

impl<'a> StatusInput<'a> {
    /// A pull request's input under `queries` and `policy` before anything else is known: not in
    /// the pool, nothing blocking or passing, merge blocks permitted, only the closest query shown.
    pub fn new(queries: &'a [&'a TideQuery], policy: &'a ContextPolicy) -> StatusInput<'a> {
        StatusInput {
            queries,
            policy,
            blocks: MergeBlocksPolicy::Permit,
            in_pool: false,
            blockers: &[],
            passing: &[],
            display_all_queries: false,
            not_allowed: None,
        }
    }
}

/// Upstream `expectedStatus`.
pub fn expected(pr: &PullRequest, input: &StatusInput<'_>) -> Expected {
    if let Some(reason) = input.not_allowed {
        return Expected::new("error", not_in_pool(&format!(" {reason}")));
    }
    if !input.in_pool {
        if !input.blockers.is_empty() {
            let numbers: Vec<String> = input.blockers.iter().map(u64::to_string).collect();
            let plural = if numbers.len() > 1 { "s" } else { "" };
            return Expected::new(
                "error",
                not_in_pool(&format!(
                    " Merging is blocked by issue{plural} {}.",
                    numbers.join(", ")
                )),
            );
        }
        let mut fulfilled = false;
        let mut least: Option<(u32, String)> = None;
        let mut all = String::new();
        for query in input.queries {
            let (reason, diff) = requirement_diff(pr, query, input.policy, input.blocks);
            if diff == 0 {
                fulfilled = true;
                break;
            }
            if input.display_all_queries {
                if diff >= 2000 {
                    continue;
                }
                if !all.is_empty() {
                    all = format!("{} OR", all.trim_end_matches('.'));
                }
                all.push_str(&reason);
            } else if least.as_ref().is_none_or(|(d, _)| diff < *d) {
                least = Some((diff, reason));
            }
        }
        if !fulfilled {
            let reason = if input.display_all_queries {
                if all.is_empty() {
                    format!(" No Tide query for branch {} found.", pr.base_ref)
                } else {
                    all
                }
            } else {
                least.map(|(_, reason)| reason).unwrap_or_default()
            };
            return Expected::new("pending", not_in_pool(&reason));
        }
    }
    let missing = input
        .policy
        .missing_required(input.passing.iter().map(String::as_str));
    if !missing.is_empty() {
        return Expected::new("pending", retesting(missing));
    }
    let in_pool =
        if input.blocks == MergeBlocksPolicy::Permit && pr.merge_state == MergeState::Blocked {
            IN_POOL_DESPITE_BLOCKED
        } else {
            IN_POOL
        };
    Expected::new("success", in_pool.to_string())
}

/// Upstream `retestingStatus`.
fn retesting(mut jobs: Vec<String>) -> String {
    jobs.sort();
    let all = not_in_pool(&format!(" Retesting: {}", jobs.join(" ")));
    if all.len() <= MAX_DESCRIPTION {
        return all;
    }
    let plural = if jobs.len() > 1 { "s" } else { "" };
    not_in_pool(&format!(" Retesting {} job{plural}.", jobs.len()))
}

/// GitHub's limit, cut at a character boundary.
fn truncate(description: &str) -> String {
    if description.len() <= MAX_DESCRIPTION {
        return description.to_string();
    }
    let mut end = MAX_DESCRIPTION;
    while !description.is_char_boundary(end) {
        end -= 1;
    }
    description[..end].to_string()
}
