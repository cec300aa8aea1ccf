//! `blunderbuss` (upstream `pkg/plugins/blunderbuss` with `pkg/reviewer`): when a pull request
//! opens (or is ready for review, or someone says `/auto-cc`, or `wait_for_status` reports),
//! reviews are requested from OWNERS reviewers of the changed files, closest first, approvers
//! filling in unless `exclude_approvers`.
//!
//! Upstream picks at random (Go's global `math/rand`). Here the pick is Go's `math/rand` seeded
//! with the PR number, as approve seeds its suggestions: the same pull request gets the same
//! reviewers on every redelivery, and tests know whom.

use super::assign::CC;
use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, command};
use crate::owners::go_rand::GoRand;
use crate::owners::parse::norm_login;
use crate::owners::{LayeredSet, RepoOwners};
use crate::{Action, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::Event;
use prow_github::events::PullRequest;
use prow_github::vocabulary::PullRequestAction;
use prow_ports::github::{IssueNumber, RepoRef};
use std::collections::BTreeSet;

static AUTO_CC: Pattern = Pattern::new(|| pattern(r"(?mi)^/auto-cc(?-u:\s)*$"));

/// Upstream's user-status query (githubv4's rendering of `GitHubAvailabilityQuery`).
const AVAILABILITY_QUERY: &str =
    "query($user:String!){user(login: $user){login,status{indicatesLimitedAvailability}}}";
/// The open pull requests whose head is a commit.
const SEARCH_QUERY: &str = "query($query: String!) { search(type: ISSUE, first: 100, query: $query) { nodes { ... on PullRequest { number } } } }";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    AutoCc,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::AutoCc];

    fn help(self) -> crate::Command {
        match self {
            Command::AutoCc => command(
                "/auto-cc",
                "Manually request reviews from reviewers for a PR. Useful if OWNERS file were updated since the PR was opened.",
                "Anyone",
                &["/auto-cc"],
            ),
        }
    }
}

pub struct Blunderbuss;

impl Builtin for Blunderbuss {
    const NAME: &'static str = "blunderbuss";
    const EVENTS: &'static [EventKind] = &[
        EventKind::PullRequest,
        EventKind::GenericComment,
        EventKind::Status,
    ];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let count = config.plugins.blunderbuss.request_count();
        let plural = if count > 1 { "s" } else { "" };
        PluginHelp::new(
            "The blunderbuss plugin automatically requests reviews from reviewers when a new PR is created. The reviewers are selected randomly from the OWNERS files that apply to the files modified by the PR.",
        )
        .with_config(format!(
            "blunderbuss is currently configured to request reviews from {count} reviewer{plural}."
        ))
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let settings = &input.config.plugins.blunderbuss;
        if let Some(comment) = new_comment(input).filter(|c| c.is_pr && c.issue_state != "closed")
            && AUTO_CC.is_match(&comment.body)
        {
            // Drafts, ignored authors and wait_for_status do not stop an explicit ask.
            let pull = commented_issue(comment);
            facts.need([Fact::PullRequest(pull.clone())])?;
            let pr = facts.pull_request(&pull)?;
            return handle(input.config, facts, &pull, pr);
        }
        let Some(delivery) = input.delivery() else {
            return Ok(Vec::new());
        };
        match &delivery.event {
            Event::PullRequest(event) => {
                let pr = &event.pull_request;
                let wanted = matches!(
                    event.action,
                    PullRequestAction::Opened | PullRequestAction::ReadyForReview
                ) && !CC.is_match(&pr.body)
                    && settings.wait_for_status.is_none()
                    && !(pr.draft && settings.ignore_drafts)
                    && !settings.ignore_authors.contains(&pr.user.login);
                if !wanted {
                    return Ok(Vec::new());
                }
                let pull = IssueRef::new(event.repo.org(), &event.repo.name, event.number);
                // Read fresh, so a redelivery sees whom the first delivery asked.
                facts.need([Fact::PullRequest(pull.clone())])?;
                handle(input.config, facts, &pull, facts.pull_request(&pull)?)
            }
            Event::Status(status) => on_status(input.config, facts, status),
            _ => Ok(Vec::new()),
        }
    }
}

/// Upstream `handleStatus`: the open pull requests whose head got the awaited status.
fn on_status(
    config: &Config,
    facts: &Facts,
    status: &prow_github::events::StatusEvent,
) -> Result<Vec<Action>, NeedFacts> {
    let settings = &config.plugins.blunderbuss;
    let Some(wait) = &settings.wait_for_status else {
        return Ok(Vec::new());
    };
    // Upstream fails such an event; there is nothing to do about it.
    if status.state.is_empty() || status.context.is_empty() || status.description.is_empty() {
        return Ok(Vec::new());
    }
    let describes =
        regex::Regex::new(wait.description()).is_ok_and(|re| re.is_match(&status.description));
    if status.context != wait.context() || status.state != wait.state() || !describes {
        return Ok(Vec::new());
    }
    let repo = RepoRef::new(status.repo.org(), &status.repo.name);
    let variables = serde_json::json!({
        "query": format!("{} repo:{repo} type:pr state:open", status.sha)
    });
    facts.need([Fact::graphql(&repo.org, SEARCH_QUERY, &variables)])?;
    let found = facts.graphql(&repo.org, SEARCH_QUERY, &variables)?;
    let pulls: Vec<IssueRef> = found["search"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node| node["number"].as_u64())
        .map(|number| IssueRef {
            repo: repo.clone(),
            number: IssueNumber(number),
        })
        .collect();
    facts.need(pulls.iter().map(|p| Fact::PullRequest(p.clone())))?;
    let mut actions = Vec::new();
    for pull in &pulls {
        let pr = facts.pull_request(pull)?;
        if pr.head.sha != status.sha
            || (pr.draft && settings.ignore_drafts)
            || settings.ignore_authors.contains(&pr.user.login)
            || !pr.requested_reviewers.is_empty()
        {
            continue;
        }
        actions.extend(handle(config, facts, pull, pr)?);
    }
    Ok(actions)
}

/// Where reviewers come from: OWNERS reviewers, or approvers in their place (upstream
/// `FallbackReviewersClient`).
#[derive(Clone, Copy)]
enum Source {
    Reviewers,
    Approvers,
}

impl Source {
    fn owners_file(self, owners: &RepoOwners, path: &str) -> String {
        match self {
            Source::Reviewers => owners.find_reviewers_owners_for_file(path),
            Source::Approvers => owners.find_approver_owners_for_file(path),
        }
    }

    fn all(self, owners: &RepoOwners, path: &str) -> LayeredSet {
        match self {
            Source::Reviewers => owners.reviewers(path),
            Source::Approvers => owners.approvers(path),
        }
    }

    fn leaves(self, owners: &RepoOwners, path: &str) -> BTreeSet<String> {
        match self {
            Source::Reviewers => owners.leaf_reviewers(path),
            Source::Approvers => owners.leaf_approvers(path),
        }
    }
}

/// Upstream `FindReviewer`: a random candidate, skipping the busy with `use_status_availability`.
struct Selector<'f> {
    facts: &'f Facts,
    org: String,
    rng: GoRand,
    use_status_availability: bool,
    busy: BTreeSet<String>,
}

impl Selector<'_> {
    fn status_fact(&self, login: &str) -> Fact {
        Fact::graphql(
            &self.org,
            AVAILABILITY_QUERY,
            &serde_json::json!({ "user": login }),
        )
    }

    fn select(&mut self, candidates: &mut LayeredSet) -> Result<Option<String>, NeedFacts> {
        if !self.use_status_availability {
            return Ok(candidates.pop_random(&mut self.rng));
        }
        while !candidates.is_empty() {
            // Upstream asks one candidate at a time; the candidates it may pick from are asked
            // together here, so the plan settles in few rounds.
            if let Some(layer) = candidates.first_layer() {
                let unknown: Vec<Fact> = layer
                    .iter()
                    .filter(|l| !self.busy.contains(*l))
                    .map(|l| self.status_fact(l))
                    .collect();
                self.facts.need(unknown)?;
            }
            let Some(candidate) = candidates.pop_random(&mut self.rng) else {
                break;
            };
            if self.busy.contains(&candidate) {
                continue;
            }
            let answer = self.facts.graphql(
                &self.org,
                AVAILABILITY_QUERY,
                &serde_json::json!({ "user": candidate }),
            )?;
            let busy = answer["user"]["status"]["indicatesLimitedAvailability"]
                .as_bool()
                .unwrap_or(false);
            if !busy {
                return Ok(Some(candidate));
            }
            self.busy.insert(candidate);
        }
        Ok(None)
    }
}

/// Upstream `GetReviewers`: one closest reviewer per OWNERS file, then more closest ones, then
/// any of the files' reviewers, until `min` (the author never); with the required reviewers.
fn get_reviewers(
    owners: &RepoOwners,
    source: Source,
    selector: &mut Selector<'_>,
    author: &str,
    files: &[String],
    min: usize,
) -> Result<(Vec<String>, Vec<String>), NeedFacts> {
    let author_set = BTreeSet::from([norm_login(author)]);
    let mut reviewers = LayeredSet::new();
    let mut required = BTreeSet::new();
    let mut leaves = LayeredSet::new();
    let mut seen = BTreeSet::new();
    if min == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    for file in files {
        if !seen.insert(source.owners_file(owners, file)) {
            continue;
        }
        required.extend(owners.required_reviewers(file));
        let mut file_leaves = LayeredSet::new();
        file_leaves.insert(0, source.leaves(owners, file));
        let mut unused = file_leaves
            .difference(&reviewers.set())
            .difference(&author_set);
        if unused.is_empty() {
            continue;
        }
        leaves = leaves.union(&unused);
        if let Some(chosen) = selector.select(&mut unused)? {
            reviewers.insert(0, [chosen]);
        }
    }
    let mut unused_leaves = leaves.difference(&reviewers.set());
    while reviewers.len() < min && !unused_leaves.is_empty() {
        match selector.select(&mut unused_leaves)? {
            Some(chosen) => reviewers.insert(1, [chosen]),
            None => break,
        }
    }
    for file in files {
        if reviewers.len() >= min {
            break;
        }
        let mut file_reviewers = source.all(owners, file).difference(&author_set);
        while reviewers.len() < min && !file_reviewers.is_empty() {
            match selector.select(&mut file_reviewers)? {
                Some(chosen) => reviewers.insert(2, [chosen]),
                None => break,
            }
        }
    }
    Ok((reviewers.list(), required.into_iter().collect()))
}

/// Upstream `handle`: the reviewers to request for `pr`.
fn handle(
    config: &Config,
    facts: &Facts,
    pull: &IssueRef,
    pr: &PullRequest,
) -> Result<Vec<Action>, NeedFacts> {
    let settings = &config.plugins.blunderbuss;
    let repo = &pull.repo;
    facts.need([Fact::ChangedFiles(pull.clone())])?;
    let files: Vec<String> = facts
        .changed_files(pull)?
        .iter()
        .map(|c| c.filename.clone())
        .collect();
    let owners = crate::owners::repo_owners(config, facts, repo, &pr.base.git_ref, &files)?;
    let mut selector = Selector {
        facts,
        org: repo.org.clone(),
        rng: GoRand::new(i64::try_from(pull.number.0).unwrap_or(0)),
        use_status_availability: settings.use_status_availability,
        busy: BTreeSet::new(),
    };
    let count = settings.request_count();
    let author = &pr.user.login;
    let (mut reviewers, required) = get_reviewers(
        &owners,
        Source::Reviewers,
        &mut selector,
        author,
        &files,
        count,
    )?;
    if count > reviewers.len() && !settings.exclude_approvers {
        let (approvers, _) = get_reviewers(
            &owners,
            Source::Approvers,
            &mut selector,
            author,
            &files,
            count,
        )?;
        for approver in approvers {
            if !reviewers.contains(&approver) {
                reviewers.push(approver);
            }
        }
    }
    if let Ok(max) = usize::try_from(settings.max_request_count)
        && max > 0
    {
        reviewers.truncate(max);
    }
    reviewers.extend(required);
    // Whom GitHub has been asked already is not asked again (a redelivery asks nobody).
    let asked: BTreeSet<String> = pr
        .requested_reviewers
        .iter()
        .map(|u| norm_login(&u.login))
        .collect();
    reviewers.retain(|r| !asked.contains(&norm_login(r)));
    if reviewers.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Action::RequestReview {
        on: pull.clone(),
        logins: reviewers,
        refused: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owners::tests::plugins_config;
    use crate::testing::{Given, PR, comment, plan, plan_with, pull_request_event_with};
    use serde_json::json;

    const AUTHOR: &str = "alice";

    fn world(files: &[&str]) -> Facts {
        Facts::new()
            .pull(&PR, AUTHOR, |_| {})
            .changed_files(&PR, files)
            .file(
                &PR.repo,
                "main",
                "OWNERS",
                Some("approvers: [root1, root2]\nreviewers: [rr1, rr2]\n"),
            )
            .file(
                &PR.repo,
                "main",
                "a/OWNERS",
                Some("approvers: [aa]\nreviewers: [ra1, ra2, alice]\nrequired_reviewers: [sec]\n"),
            )
            .file(&PR.repo, "main", "b/OWNERS", Some("approvers: [bb]\n"))
            .file(&PR.repo, "main", "OWNERS_ALIASES", None)
            .collaborators(
                &PR.repo,
                &[
                    "root1", "root2", "rr1", "rr2", "aa", "ra1", "ra2", "alice", "bb",
                ],
            )
    }

    fn opened() -> crate::Delivery {
        pull_request_event_with(&PR, "opened", AUTHOR, AUTHOR, |_| {})
    }

    fn requested(actions: &[Action]) -> Vec<String> {
        match actions {
            [] => Vec::new(),
            [Action::RequestReview { logins, .. }] => logins.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn set(logins: &[String]) -> BTreeSet<String> {
        logins.iter().cloned().collect()
    }

    #[test]
    fn the_closest_reviewers_are_requested_never_the_author_and_the_required_ones_too() {
        let got = requested(&plan(&Blunderbuss, &opened(), &world(&["a/x.go"])).unwrap());
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            set(&got[..2]).is_subset(&set(&["ra1".into(), "ra2".into()])),
            "{got:?}"
        );
        assert_eq!(got[2], "sec");
        // The same PR gets the same reviewers every time.
        for _ in 0..3 {
            assert_eq!(
                requested(&plan(&Blunderbuss, &opened(), &world(&["a/x.go"])).unwrap()),
                got
            );
        }
    }

    #[test]
    fn each_owners_file_gets_a_reviewer_then_approvers_fill_in() {
        let got = requested(&plan(&Blunderbuss, &opened(), &world(&["a/x.go", "b/y.go"])).unwrap());
        // b/ has no reviewers of its own: its closest reviewers are the root's.
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(
            ["ra1", "ra2"].contains(&got[0].as_str()) || ["ra1", "ra2"].contains(&got[1].as_str()),
            "{got:?}"
        );
        assert!(got[..2].iter().any(|r| r == "rr1" || r == "rr2"), "{got:?}");

        // One reviewer only: approvers fill in, unless excluded.
        let facts = Facts::new()
            .pull(&PR, AUTHOR, |_| {})
            .changed_files(&PR, &["b/y.go"])
            .file(
                &PR.repo,
                "main",
                "OWNERS",
                Some("approvers: [root1]\nreviewers: [rr1]\n"),
            )
            .file(&PR.repo, "main", "b/OWNERS", Some("approvers: [bb]\n"))
            .file(&PR.repo, "main", "OWNERS_ALIASES", None)
            .collaborators(&PR.repo, &["root1", "rr1", "bb"]);
        let got = requested(&plan(&Blunderbuss, &opened(), &facts).unwrap());
        // As upstream, every approver picked is added, so the request may exceed the count.
        assert_eq!(got[0], "rr1");
        assert_eq!(
            set(&got[1..]),
            set(&["bb".into(), "root1".into()]),
            "{got:?}"
        );
        let excluded = plugins_config("blunderbuss:\n  exclude_approvers: true\n");
        assert_eq!(
            requested(&plan_with(&Blunderbuss, &opened(), &facts, &excluded).unwrap()),
            ["rr1"]
        );
    }

    #[test]
    fn request_count_and_max_request_count_bound_the_request() {
        let one = plugins_config("blunderbuss:\n  request_count: 1\n");
        let got = requested(&plan_with(&Blunderbuss, &opened(), &world(&["x.go"]), &one).unwrap());
        assert_eq!(got.len(), 1, "{got:?}");
        let many = plugins_config("blunderbuss:\n  request_count: 5\n  max_request_count: 3\n");
        let got = requested(&plan_with(&Blunderbuss, &opened(), &world(&["x.go"]), &many).unwrap());
        assert_eq!(got.len(), 3, "{got:?}");
    }

    #[test]
    fn drafts_ignored_authors_cc_and_wait_for_status_stop_the_request_on_open() {
        let drafts = plugins_config("blunderbuss:\n  ignore_drafts: true\n");
        let draft = pull_request_event_with(&PR, "opened", AUTHOR, AUTHOR, |p| {
            p["pull_request"]["draft"] = json!(true);
        });
        assert_eq!(
            plan_with(&Blunderbuss, &draft, &Facts::new(), &drafts),
            Ok(vec![])
        );
        let ignored = plugins_config("blunderbuss:\n  ignore_authors: [alice]\n");
        assert_eq!(
            plan_with(&Blunderbuss, &opened(), &Facts::new(), &ignored),
            Ok(vec![])
        );
        let cc = pull_request_event_with(&PR, "opened", AUTHOR, AUTHOR, |p| {
            p["pull_request"]["body"] = json!("Fixes it.\n/cc @bob");
        });
        assert_eq!(plan(&Blunderbuss, &cc, &Facts::new()), Ok(vec![]));
        let waiting = plugins_config("blunderbuss:\n  wait_for_status: {}\n");
        assert_eq!(
            plan_with(&Blunderbuss, &opened(), &Facts::new(), &waiting),
            Ok(vec![])
        );
        let synced = pull_request_event_with(&PR, "synchronize", AUTHOR, AUTHOR, |_| {});
        assert_eq!(plan(&Blunderbuss, &synced, &Facts::new()), Ok(vec![]));
        let ready = pull_request_event_with(&PR, "ready_for_review", AUTHOR, AUTHOR, |_| {});
        assert_eq!(
            requested(&plan(&Blunderbuss, &ready, &world(&["x.go"])).unwrap()).len(),
            2
        );
    }

    #[test]
    fn auto_cc_asks_anyone_even_for_drafts_and_those_asked_are_not_asked_again() {
        let drafts = plugins_config("blunderbuss:\n  ignore_drafts: true\n");
        let delivery = comment(&PR, "olly", "/auto-cc", true, AUTHOR);
        assert_eq!(
            plan_with(&Blunderbuss, &delivery, &Facts::new(), &drafts),
            Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
        );
        let facts = world(&["x.go"]).pull(&PR, AUTHOR, |p| p["draft"] = json!(true));
        let got = requested(&plan_with(&Blunderbuss, &delivery, &facts, &drafts).unwrap());
        assert_eq!(set(&got), set(&["rr1".into(), "rr2".into()]));
        let asked = world(&["x.go"]).pull(&PR, AUTHOR, |p| {
            p["requested_reviewers"] =
                json!([{"login": "rr1", "id": 1}, {"login": "RR2", "id": 2}]);
        });
        assert_eq!(plan(&Blunderbuss, &delivery, &asked), Ok(vec![]));
        assert_eq!(
            plan(
                &Blunderbuss,
                &comment(&PR, "olly", "/auto-cc please", true, AUTHOR),
                &Facts::new()
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn busy_reviewers_are_passed_over_with_status_availability() {
        let config = plugins_config(
            "blunderbuss:\n  use_status_availability: true\n  request_count: 1\n  exclude_approvers: true\n",
        );
        let status = |facts: Facts, login: &str, busy: bool| {
            facts.fact(
                Fact::graphql("kubernetes", AVAILABILITY_QUERY, &json!({"user": login})),
                crate::Known::Json(json!({"user": {"login": login, "status": {"indicatesLimitedAvailability": busy}}})),
            )
        };
        let base = world(&["x.go"]);
        // The candidates' statuses are asked together.
        let asked = plan_with(&Blunderbuss, &opened(), &base, &config).unwrap_err();
        assert_eq!(asked.0.len(), 2);
        let facts = status(status(base, "rr1", true), "rr2", false);
        assert_eq!(
            requested(&plan_with(&Blunderbuss, &opened(), &facts, &config).unwrap()),
            ["rr2"]
        );
    }

    #[test]
    fn help_says_how_many_are_asked() {
        let help = Blunderbuss.help(&Config::default(), &[]);
        assert_eq!(
            help.config[""],
            "blunderbuss is currently configured to request reviews from 2 reviewers."
        );
        let one = Blunderbuss.help(&plugins_config("blunderbuss:\n  request_count: 1\n"), &[]);
        assert_eq!(
            one.config[""],
            "blunderbuss is currently configured to request reviews from 1 reviewer."
        );
    }
}
