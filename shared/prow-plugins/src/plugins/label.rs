//! `label` (upstream `pkg/plugins/label`): anyone sets or takes off the prefixed labels
//! (`/kind bug`, `/remove-area prow`) and the configured extra ones (`/label api-review`), as long
//! as the repository has them; `triage/accepted` needs an org member, a restricted label one of
//! its allowed users or teams. Taking the last label of a category off puts its `needs-*` label
//! on. When a pull request gets a label a restricted label's `assign_on` names, its allowed users
//! are assigned.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern};
use crate::help::{Commands, command};
use crate::{Action, Delivery, EventKind, Fact, Facts, Input, IssueRef, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::{GenericCommentEvent, format_response_raw};
use prow_github::vocabulary::PullRequestAction;
use std::collections::BTreeSet;

/// The label only org members may add.
pub const TRIAGE_ACCEPTED: &str = "triage/accepted";

/// The categories whose `needs-<category>` label marks an issue left without one.
const NEEDS_CATEGORIES: [&str; 4] = ["kind", "priority", "sig", "triage"];

/// What help says the plugin works on, beside the configured labels.
const DEFAULT_LABELS: [&str; 3] = ["kind", "priority", "area"];

static HTML_COMMENT: Pattern = Pattern::new(|| pattern(r"(?s)<!--(.*?)-->"));
// Go's `\s` is ASCII whitespace; `(?-u:\s)` is Rust's spelling of it. Upstream's label
// commands are case-sensitive.
static PREFIXED: Pattern = Pattern::new(|| {
    pattern(r"(?m)^/(area|committee|kind|language|priority|sig|triage|wg)(?-u:\s)*(.*?)(?-u:\s)*$")
});
static REMOVE_PREFIXED: Pattern = Pattern::new(|| {
    pattern(
        r"(?m)^/remove-(area|committee|kind|language|priority|sig|triage|wg)(?-u:\s)*(.*?)(?-u:\s)*$",
    )
});
static CUSTOM: Pattern = Pattern::new(|| pattern(r"(?m)^/label(?-u:\s)*(.*?)(?-u:\s)*$"));
static CUSTOM_REMOVE: Pattern =
    Pattern::new(|| pattern(r"(?m)^/remove-label(?-u:\s)*(.*?)(?-u:\s)*$"));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    /// `/[remove-](area|committee|kind|language|priority|sig|triage|wg|label) <target>`:
    /// upstream documents them as one.
    Label,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Label];

    fn help(self) -> crate::Command {
        match self {
            Command::Label => command(
                "/[remove-](area|committee|kind|language|priority|sig|triage|wg|label) <target>",
                "Applies or removes a label from one of the recognized types of labels.",
                "Anyone can trigger this command on issues and PRs. `triage/accepted` can only be added by org members. Restricted labels are only able to be added by teams and users in their configuration.",
                &[
                    "/kind bug",
                    "/remove-area prow",
                    "/sig testing",
                    "/language zh",
                    "/label foo-bar-baz",
                ],
            ),
        }
    }
}

/// Upstream's snippet: its example configuration with the documented config's comments.
const SNIPPET: &str = r#"label:
    # AdditionalLabels is a set of additional labels enabled for use
    # on top of the existing "kind/*", "priority/*", and "area/*" labels.
    additional_labels:
        - api-review
        - community/discussion
    # RestrictedLabels allows to configure labels that can only be modified
    # by users that belong to at least one of the configured teams. The key
    # defines to which repos this applies and can be `*` for global, an org
    # or a repo in org/repo notation.
    restricted_labels:
        '*':
            - label: restricted-label
              allowed_teams:
                - authorized-team
              allowed_users:
                - alice
                - bob
              assign_on:
                - label: other-label
"#;

pub struct Label;

impl Builtin for Label {
    const NAME: &'static str = "label";
    const EVENTS: &'static [EventKind] = &[EventKind::PullRequest, EventKind::GenericComment];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        let labels: Vec<&str> = DEFAULT_LABELS
            .iter()
            .copied()
            .chain(
                config
                    .plugins
                    .label
                    .additional_labels
                    .iter()
                    .map(String::as_str),
            )
            .collect();
        PluginHelp::new(
            "The label plugin provides commands that add or remove certain types of labels. Labels of the following types can be manipulated: 'area/*', 'committee/*', 'kind/*', 'language/*', 'priority/*', 'sig/*', 'triage/*', and 'wg/*'. More labels can be configured to be used via the /label command. Restricted labels are only able to be added by the teams and users present in their configuration, and those users can be automatically assigned when another label is added using the assign_on config.",
        )
        .with_config(config_string(&labels))
        .with_snippet(SNIPPET)
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        if let (Some(comment), Some(delivery)) = (new_comment(input), input.delivery()) {
            return plan_commands(input.config, comment, &labels_when_said(delivery), facts);
        }
        match input.delivery().map(|d| (&d.event, d.issue())) {
            Some((Event::PullRequest(event), Some(pull)))
                if event.action == PullRequestAction::Labeled =>
            {
                let Some(label) = &event.label else {
                    return Ok(Vec::new());
                };
                plan_assign_on(input.config, &pull, &label.name, facts)
            }
            _ => Ok(Vec::new()),
        }
    }
}

/// Upstream's `configString`: `"kind/*", "priority/*" and "area/*"`.
fn config_string(labels: &[&str]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("\"{l}/*\"")).collect();
    let (last, rest) = match quoted.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    format!(
        "The label plugin will work on {} and {last} labels.",
        rest.join(", ")
    )
}

/// The labels of prefixed commands: `/area api infra` gives `area/api` and `area/infra`. The
/// pieces are split on single spaces, as upstream splits them (so a double space gives `area/`).
fn prefixed_labels(regex: &regex::Regex, body: &str) -> Vec<String> {
    let mut labels = Vec::new();
    for found in regex.captures_iter(body) {
        let prefix = found.get(1).map_or("", |m| m.as_str());
        let whole = found.get(0).map_or("", |m| m.as_str());
        for piece in whole.trim().split(' ').skip(1) {
            labels.push(format!("{prefix}/{}", piece.trim()).to_lowercase());
        }
    }
    labels
}

/// The labels of `/label x` (or `/remove-label x`) that the configuration allows; the text of
/// each command naming another goes to `unsupported`. Anything but exactly one label is
/// ignored, as upstream ignores it.
fn custom_labels(
    regex: &regex::Regex,
    command: &str,
    body: &str,
    allowed: impl Fn(&str) -> bool,
    unsupported: &mut Vec<String>,
) -> Vec<String> {
    let mut labels = Vec::new();
    for found in regex.find_iter(body) {
        let parts: Vec<&str> = found.as_str().trim().split(' ').collect();
        let [first, label] = parts.as_slice() else {
            continue;
        };
        if *first != command {
            continue;
        }
        let label = label.to_lowercase();
        if allowed(&label) {
            labels.push(label);
        } else {
            unsupported.push(found.as_str().to_string());
        }
    }
    labels
}

/// The labels of `labels` in `category` (`kind/bug` is in `kind`).
fn in_category<'a>(labels: impl IntoIterator<Item = &'a str>, category: &str) -> BTreeSet<&'a str> {
    let prefix = format!("{category}/");
    labels
        .into_iter()
        .filter(|l| l.starts_with(&prefix))
        .collect()
}

/// The labels the issue had when the comment was made, as the webhook shows them.
fn labels_when_said(delivery: &Delivery) -> Vec<&str> {
    let labels = match &delivery.event {
        Event::IssueComment(e) => &e.issue.labels,
        Event::Issues(e) => &e.issue.labels,
        Event::PullRequest(e) => &e.pull_request.labels,
        Event::PullRequestReview(e) => &e.pull_request.labels,
        Event::PullRequestReviewComment(e) => &e.pull_request.labels,
        _ => return Vec::new(),
    };
    labels.iter().map(|l| l.name.as_str()).collect()
}

fn plan_commands(
    config: &Config,
    comment: &GenericCommentEvent,
    when_said: &[&str],
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    let body = HTML_COMMENT.replace_all(&comment.body, "");
    let body = body.as_ref();
    if !PREFIXED.is_match(body)
        && !REMOVE_PREFIXED.is_match(body)
        && !CUSTOM.is_match(body)
        && !CUSTOM_REMOVE.is_match(body)
    {
        return Ok(Vec::new());
    }
    let issue = commented_issue(comment);
    let org = issue.repo.org.clone();
    let login = comment.user.login.as_str();
    facts.need([
        Fact::RepoLabels(issue.repo.clone()),
        Fact::Labels(issue.clone()),
    ])?;
    let in_repo: BTreeSet<String> = facts
        .repo_labels(&issue.repo)?
        .iter()
        .map(|l| l.name.to_lowercase())
        .collect();
    let current = facts.labels(&issue)?;
    let has = |label: &str| current.iter().any(|l| l.eq_ignore_ascii_case(label));

    let settings = &config.plugins.label;
    let restricted = settings.restricted_labels_for(&issue.repo.org, &issue.repo.name);
    let additional: BTreeSet<String> = settings
        .additional_labels
        .iter()
        .map(|l| l.to_lowercase())
        .collect();
    let allowed = |label: &str| restricted.contains_key(label) || additional.contains(label);
    let allowed_for = |label: &str| {
        restricted.get(label).map(|r| Allowed {
            allowed_users: &r.allowed_users,
            allowed_teams: &r.allowed_teams,
        })
    };

    let mut unsupported = Vec::new();
    let mut to_add = prefixed_labels(&PREFIXED, body);
    to_add.extend(custom_labels(
        &CUSTOM,
        "/label",
        body,
        allowed,
        &mut unsupported,
    ));
    let mut to_remove = prefixed_labels(&REMOVE_PREFIXED, body);
    to_remove.extend(custom_labels(
        &CUSTOM_REMOVE,
        "/remove-label",
        body,
        allowed,
        &mut unsupported,
    ));

    for category in NEEDS_CATEGORIES {
        let needs = format!("needs-{category}");
        if !in_repo.contains(&needs) {
            continue;
        }
        let removed = in_category(to_remove.iter().map(String::as_str), category);
        if removed.is_empty()
            || !in_category(to_add.iter().map(String::as_str), category).is_empty()
        {
            continue;
        }
        if removed.is_superset(&in_category(current.iter().copied(), category)) {
            to_add.push(needs);
        }
    }

    let reply = |text: &str| {
        Action::comment(
            &issue,
            format_response_raw(body, &comment.html_url, login, text),
        )
    };
    let mut actions: Vec<Action> = Vec::new();
    let mut not_in_repo = Vec::new();
    let mut not_on_issue = Vec::new();
    let mut non_member_triage = false;
    for label in &to_add {
        if has(label) {
            continue;
        }
        if !in_repo.contains(label) {
            not_in_repo.push(label.as_str());
            continue;
        }
        if label == TRIAGE_ACCEPTED && !facts.is_member(&org, login)? {
            non_member_triage = true;
            continue;
        }
        match refusal(facts, &org, login, label, allowed_for(label))? {
            Some(reason) => actions.push(reply(&reason)),
            None => push_once(&mut actions, Action::add_label(&issue, label.as_str())),
        }
    }
    for label in &to_remove {
        if !has(label) {
            // Gone since the comment was made: taken off by this comment's first delivery (or
            // by someone meanwhile), so a redelivery says nothing. Upstream reads only the
            // labels now and would say they are not set.
            if !when_said.iter().any(|l| l.eq_ignore_ascii_case(label)) {
                not_on_issue.push(label.as_str());
            }
            continue;
        }
        if !in_repo.contains(label) {
            continue;
        }
        match refusal(facts, &org, login, label, allowed_for(label))? {
            Some(reason) => actions.push(reply(&reason)),
            None => push_once(&mut actions, Action::remove_label(&issue, label.as_str())),
        }
    }

    // One summary at most, the first that applies, as upstream.
    if !unsupported.is_empty() {
        let supported: Vec<&str> = settings
            .additional_labels
            .iter()
            .map(String::as_str)
            .chain(restricted.keys().map(String::as_str))
            .collect();
        actions.push(reply(&format!(
            "The label(s) `{}` cannot be applied. These labels are supported: `{}`. Is this label configured under `labels -> additional_labels` or `labels -> restricted_labels` in `plugin.yaml`?",
            unsupported.join(", "),
            supported.join(", ")
        )));
    } else if !not_in_repo.is_empty() {
        actions.push(reply(&format!(
            "The label(s) `{}` cannot be applied, because the repository doesn't have them.",
            not_in_repo.join(", ")
        )));
    } else if !not_on_issue.is_empty() {
        actions.push(reply(&format!(
            "Those labels are not set on the issue: `{}`",
            not_on_issue.join(", ")
        )));
    } else if non_member_triage {
        actions.push(reply(&format!(
            "The label `{TRIAGE_ACCEPTED}` cannot be applied. Only GitHub organization members can add the label."
        )));
    }
    Ok(actions)
}

/// Who may set a restricted label.
#[derive(Clone, Copy)]
struct Allowed<'a> {
    allowed_users: &'a [String],
    allowed_teams: &'a [String],
}

/// A label named twice in one comment is set once (upstream asks GitHub twice, to the same
/// effect).
fn push_once(actions: &mut Vec<Action>, action: Action) {
    if !actions.contains(&action) {
        actions.push(action);
    }
}

/// Why `login` may not set or take off `label`, if it is restricted and they are neither an
/// allowed user nor in an allowed team. Teams are asked about one by one, in order, until one
/// has them (upstream's calls).
fn refusal(
    facts: &Facts,
    org: &str,
    login: &str,
    label: &str,
    restricted: Option<Allowed<'_>>,
) -> Result<Option<String>, NeedFacts> {
    let Some(restricted) = restricted else {
        return Ok(None);
    };
    if restricted
        .allowed_users
        .iter()
        .any(|u| u.to_lowercase() == login.to_lowercase())
    {
        return Ok(None);
    }
    for team in restricted.allowed_teams {
        if facts
            .team_members(org, team)?
            .iter()
            .any(|m| m.eq_ignore_ascii_case(login))
        {
            return Ok(None);
        }
    }
    let mut reason = format!(
        "The label(s) `{label}` cannot be applied or removed, because you are not in one of the allowed teams and are not an allowed user."
    );
    if !restricted.allowed_teams.is_empty() {
        reason.push_str(&format!(
            " Must be a member of one of these teams: {}",
            restricted.allowed_teams.join(", ")
        ));
    } else if !restricted.allowed_users.is_empty() {
        // Upstream means to pick 20 at random but ranges over the indices of its permutation,
        // so it names the first 20 in configured order.
        let named: Vec<&str> = restricted
            .allowed_users
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        reason.push_str(&format!(
            " Consider assigning one of the following members: {}",
            named.join(",")
        ));
    }
    Ok(Some(reason))
}

/// A pull request got `label`: the allowed users of every restricted label that assigns on it
/// are assigned (those not assigned already, so a redelivery assigns nobody twice).
fn plan_assign_on(
    config: &Config,
    pull: &IssueRef,
    label: &str,
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    let restricted = config
        .plugins
        .label
        .restricted_labels_for(&pull.repo.org, &pull.repo.name);
    let mut logins: Vec<String> = Vec::new();
    for entry in restricted.values() {
        if entry
            .assign_on
            .iter()
            .any(|on| on.label.to_lowercase() == label.to_lowercase())
        {
            for user in &entry.allowed_users {
                if !logins.iter().any(|l| l.eq_ignore_ascii_case(user)) {
                    logins.push(user.clone());
                }
            }
        }
    }
    if logins.is_empty() {
        return Ok(Vec::new());
    }
    let assigned = &facts.pull_request(pull)?.assignees;
    logins.retain(|login| !assigned.iter().any(|a| a.login.eq_ignore_ascii_case(login)));
    if logins.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Action::Assign {
        on: pull.clone(),
        logins,
        refused: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::owners::tests::plugins_config;
    use crate::testing::{
        Given, PR, comment_on_issue, edited, plan_with, pull_request_event_with, users_named,
    };
    use crate::{Dedupe, Delivery};

    const URL: &str = "https://github.com/kubernetes/test-infra/pull/7#issuecomment-5000";

    fn config() -> Config {
        plugins_config(
            "label:\n  additional_labels: [api-review, Orchestrator/Foo]\n  restricted_labels:\n    '*':\n    - label: restricted-label\n      allowed_teams: [privileged-group, second-group]\n    kubernetes:\n    - label: CVE\n      allowed_users: [carol, dave]\n      assign_on:\n      - label: security\n    kubernetes/test-infra:\n    - label: cve\n      allowed_users: [erin]\n",
        )
    }

    fn said(who: &str, body: &str) -> Delivery {
        comment_on_issue(&PR, who, body)
    }

    /// The repository with `repo` labels and the issue with `on_issue`.
    fn world(repo: &[&str], on_issue: &[&str]) -> Facts {
        Facts::new()
            .repo_labelled(&PR.repo, repo)
            .labelled(&PR, on_issue)
    }

    fn run(who: &str, body: &str, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        plan_with(&Label, &said(who, body), facts, &config())
    }

    fn add(label: &str) -> Action {
        Action::add_label(&PR, label)
    }

    fn remove(label: &str) -> Action {
        Action::remove_label(&PR, label)
    }

    /// The reply to `who`, quoting `body` (the comment without its HTML comments).
    fn reply(who: &str, body: &str, text: &str) -> Action {
        Action::comment(&PR, format_response_raw(body, URL, who, text))
    }

    fn only_text(actions: &[Action]) -> String {
        let texts: Vec<&str> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Comment { body, dedupe, .. } => {
                    assert_eq!(*dedupe, Dedupe::SameText);
                    Some(body.as_str())
                }
                _ => None,
            })
            .collect();
        assert_eq!(texts.len(), 1, "{actions:#?}");
        texts[0].to_string()
    }

    #[test]
    fn prefixed_commands_set_and_take_off_labels_the_repository_has() {
        let not_in_repo = |labels: &str| {
            format!(
                "The label(s) `{labels}` cannot be applied, because the repository doesn't have them."
            )
        };
        let not_on_issue =
            |labels: &str| format!("Those labels are not set on the issue: `{labels}`");
        for (body, repo, on_issue, expected) in [
            (
                "/kind bug",
                &["kind/bug"][..],
                &[][..],
                vec![add("kind/bug")],
            ),
            ("/kind BuG", &["kind/bug"], &[], vec![add("kind/bug")]),
            ("/kind bug\r\n", &["kind/bug"], &[], vec![add("kind/bug")]),
            (
                "/area api infra",
                &["area/api", "area/infra"],
                &[],
                vec![add("area/api"), add("area/infra")],
            ),
            (
                "/area infra infra",
                &["area/infra"],
                &[],
                vec![add("area/infra")],
            ),
            (
                "/committee steering\n/language zh\n/wg x\n/sig node\n/priority p1",
                &[
                    "committee/steering",
                    "language/zh",
                    "wg/x",
                    "sig/node",
                    "priority/p1",
                ],
                &[],
                vec![
                    add("committee/steering"),
                    add("language/zh"),
                    add("wg/x"),
                    add("sig/node"),
                    add("priority/p1"),
                ],
            ),
            ("/area infra", &["area/infra"], &["Area/Infra"], vec![]),
            ("/area", &["area/infra"], &[], vec![]),
            ("/kindbug", &["kind/bug"], &[], vec![]),
            // `\s*` swallows the newline: one command, `kind/x`.
            (
                "/kind\n/area x",
                &["kind/x", "area/x"],
                &[],
                vec![add("kind/x")],
            ),
            (
                "/priority critical",
                &["kind/bug"],
                &[],
                vec![reply(
                    "bob",
                    "/priority critical",
                    &not_in_repo("priority/critical"),
                )],
            ),
            (
                "/area lgtm infra",
                &["area/infra"],
                &[],
                vec![
                    add("area/infra"),
                    reply("bob", "/area lgtm infra", &not_in_repo("area/lgtm")),
                ],
            ),
            (
                "/remove-area infra",
                &["area/infra"],
                &["area/infra"],
                vec![remove("area/infra")],
            ),
            (
                "/remove-area infra",
                &[],
                &[],
                vec![reply(
                    "bob",
                    "/remove-area infra",
                    &not_on_issue("area/infra"),
                )],
            ),
            // On the issue but not in the repository: silently left.
            ("/remove-area infra", &[], &["area/infra"], vec![]),
            // A double space names `area/` too.
            (
                "/remove-area  infra",
                &["area/infra"],
                &["area/infra"],
                vec![
                    remove("area/infra"),
                    reply("bob", "/remove-area  infra", &not_on_issue("area/")),
                ],
            ),
            // Adds come before removes, both against the labels as they were.
            (
                "/remove-area infra\n/area infra",
                &["area/infra"],
                &["area/infra"],
                vec![remove("area/infra")],
            ),
            (
                "<!--\n/kind bug\n-->\n/area infra",
                &["kind/bug", "area/infra"],
                &[],
                vec![add("area/infra")],
            ),
            (
                "<!-- a --><!-- b -->\n/kind bug",
                &["kind/bug"],
                &[],
                vec![add("kind/bug")],
            ),
        ] {
            assert_eq!(
                run("bob", body, &world(repo, on_issue)),
                Ok(expected),
                "{body:?}"
            );
        }
    }

    #[test]
    fn a_label_gone_since_the_comment_is_not_reported_again() {
        // The first delivery took it off; the webhook still shows it.
        let mut redelivered = said("bob", "/remove-area infra\n/remove-kind bug");
        if let Event::IssueComment(event) = &mut redelivered.event {
            event.issue.labels = vec![prow_github::events::Label {
                name: "area/infra".into(),
                ..Default::default()
            }];
        }
        let facts = world(&["area/infra", "kind/bug"], &[]);
        let actions = plan_with(&Label, &redelivered, &facts, &config()).unwrap();
        assert_eq!(
            actions,
            vec![reply(
                "bob",
                "/remove-area infra\n/remove-kind bug",
                "Those labels are not set on the issue: `kind/bug`"
            )]
        );
    }

    #[test]
    fn taking_off_the_last_label_of_a_category_puts_its_needs_label_on() {
        for (body, repo, on_issue, expected) in [
            (
                "/remove-kind api-server",
                &["kind/api-server", "needs-kind"][..],
                &["kind/api-server"][..],
                vec![add("needs-kind"), remove("kind/api-server")],
            ),
            (
                "/remove-kind api-server",
                &["kind/api-server"],
                &["kind/api-server"],
                vec![remove("kind/api-server")],
            ),
            (
                "/remove-sig testing",
                &["sig/testing", "sig/node", "needs-sig"],
                &["sig/testing", "sig/node"],
                vec![remove("sig/testing")],
            ),
            (
                "/remove-sig testing\n/sig node",
                &["sig/testing", "sig/node", "needs-sig"],
                &["sig/testing"],
                vec![add("sig/node"), remove("sig/testing")],
            ),
            (
                "/remove-triage needs-information\n/remove-priority p1",
                &[
                    "triage/needs-information",
                    "priority/p1",
                    "needs-triage",
                    "needs-priority",
                ],
                &["triage/needs-information", "priority/p1", "needs-triage"],
                vec![
                    add("needs-priority"),
                    remove("triage/needs-information"),
                    remove("priority/p1"),
                ],
            ),
            // Areas have no needs-* label.
            (
                "/remove-area infra",
                &["area/infra", "needs-area"],
                &["area/infra"],
                vec![remove("area/infra")],
            ),
        ] {
            assert_eq!(
                run("bob", body, &world(repo, on_issue)),
                Ok(expected),
                "{body:?}"
            );
        }
    }

    #[test]
    fn the_label_command_sets_only_configured_labels() {
        let repo = ["api-review", "orchestrator/foo", "foo"];
        for (body, expected) in [
            ("/label api-review", vec![add("api-review")]),
            ("/label API-Review", vec![add("api-review")]),
            ("/label orchestrator/foo ", vec![add("orchestrator/foo")]),
            ("/label orchestrator/foo\n", vec![add("orchestrator/foo")]),
            ("/label orchestrator/foo\r\n", vec![add("orchestrator/foo")]),
            ("/label a b", vec![]),
            ("/labels api-review", vec![]),
            ("/label", vec![]),
        ] {
            assert_eq!(
                run("bob", body, &world(&repo, &[])),
                Ok(expected),
                "{body:?}"
            );
        }
        assert_eq!(
            run(
                "bob",
                "/remove-label api-review",
                &world(&repo, &["api-review"])
            ),
            Ok(vec![remove("api-review")])
        );
        let unsupported = run("bob", "/label foo\n/kind nope", &world(&repo, &[])).unwrap();
        assert_eq!(
            unsupported.len(),
            1,
            "only the first summary: {unsupported:#?}"
        );
        insta::assert_snapshot!("label_unsupported", only_text(&unsupported));
    }

    #[test]
    fn the_summaries_say_upstreams_words() {
        let facts = world(&["area/infra"], &[]);
        insta::assert_snapshot!(
            "label_not_in_repo",
            only_text(&run("bob", "/area lgtm infra\n/kind x", &facts).unwrap())
        );
        insta::assert_snapshot!(
            "label_not_on_issue",
            only_text(&run("bob", "/remove-area infra api", &facts).unwrap())
        );
    }

    #[test]
    fn only_org_members_accept_triage() {
        let facts = world(&["triage/accepted", "kind/bug"], &[]);
        let body = "/triage accepted\n/kind bug";
        assert_eq!(
            run("bob", body, &facts),
            Err(NeedFacts::one(Fact::org_member("kubernetes", "bob")))
        );
        let member = facts.clone().member("kubernetes", "bob", true);
        assert_eq!(
            run("bob", body, &member),
            Ok(vec![add("triage/accepted"), add("kind/bug")])
        );
        let outsider = facts.member("kubernetes", "bob", false);
        let refused = run("bob", body, &outsider).unwrap();
        assert_eq!(refused[0], add("kind/bug"), "the others are still set");
        insta::assert_snapshot!("label_triage_accepted_non_member", only_text(&refused));
        // Anyone may take it off.
        let on = world(&["triage/accepted"], &["triage/accepted"]);
        assert_eq!(
            run("bob", "/remove-triage accepted", &on),
            Ok(vec![remove("triage/accepted")])
        );
    }

    #[test]
    fn restricted_labels_need_an_allowed_user_or_team() {
        let facts = world(&["restricted-label", "cve"], &[]);
        // Teams are asked about one at a time, in order, until one has the user.
        assert_eq!(
            run("bob", "/label restricted-label", &facts),
            Err(NeedFacts::one(Fact::team_members(
                "kubernetes",
                "privileged-group"
            )))
        );
        let in_first = facts
            .clone()
            .team("kubernetes", "privileged-group", &["Bob"]);
        assert_eq!(
            run("bob", "/label restricted-label", &in_first),
            Ok(vec![add("restricted-label")])
        );
        let in_neither = facts
            .clone()
            .team("kubernetes", "privileged-group", &["amy"])
            .team("kubernetes", "second-group", &[]);
        let refused = run("bob", "/label restricted-label", &in_neither).unwrap();
        insta::assert_snapshot!("label_restricted_teams", only_text(&refused));

        // The users of every level are merged, and checked without a call.
        for who in ["carol", "ERIN"] {
            assert_eq!(
                run(who, "/label cve", &facts),
                Ok(vec![add("cve")]),
                "{who}"
            );
        }
        let refused = run("bob", "/label cve", &facts).unwrap();
        insta::assert_snapshot!("label_restricted_users", only_text(&refused));
        // Taking a restricted label off is restricted too.
        let on = world(&["cve"], &["cve"]);
        assert_eq!(
            run("dave", "/remove-label cve", &on),
            Ok(vec![remove("cve")])
        );
        assert!(matches!(
            run("bob", "/remove-label cve", &on).unwrap().as_slice(),
            [Action::Comment { .. }]
        ));
    }

    #[test]
    fn the_labels_are_asked_for_first_and_nothing_without_a_command() {
        assert_eq!(
            run("bob", "/kind bug", &Facts::new()),
            Err(NeedFacts(
                [Fact::RepoLabels(PR.repo.clone()), Fact::Labels(PR.clone())]
                    .into_iter()
                    .collect()
            ))
        );
        for body in ["  /area infra", "/Kind bug", "no command", "text /kind bug"] {
            assert_eq!(run("bob", body, &Facts::new()), Ok(vec![]), "{body:?}");
        }
        let edited = edited(said("bob", "/kind bug"));
        assert_eq!(
            plan_with(&Label, &edited, &Facts::new(), &config()),
            Ok(vec![])
        );
    }

    #[test]
    fn a_label_named_in_assign_on_assigns_the_restricted_labels_users() {
        let labeled = |label: &str| {
            pull_request_event_with(&PR, "labeled", "alice", "bob", |payload| {
                payload["label"] = serde_json::json!({"name": label});
            })
        };
        let config = config();
        assert_eq!(
            plan_with(&Label, &labeled("Security"), &Facts::new(), &config),
            Err(NeedFacts::one(Fact::PullRequest(PR.clone())))
        );
        let nobody = Facts::new().pull_request_fact(&PR, "alice", |_| {});
        assert_eq!(
            plan_with(&Label, &labeled("Security"), &nobody, &config),
            Ok(vec![Action::Assign {
                on: PR.clone(),
                logins: vec!["carol".into(), "dave".into(), "erin".into()],
                refused: None,
            }])
        );
        let some = Facts::new().pull_request_fact(&PR, "alice", |pull| {
            pull.assignees = users_named(&["Carol", "dave", "erin"]);
        });
        assert_eq!(
            plan_with(&Label, &labeled("security"), &some, &config),
            Ok(vec![])
        );
        assert_eq!(
            plan_with(&Label, &labeled("kind/bug"), &Facts::new(), &config),
            Ok(vec![])
        );
        let opened = pull_request_event_with(&PR, "opened", "alice", "alice", |_| {});
        assert_eq!(
            plan_with(&Label, &opened, &Facts::new(), &config),
            Ok(vec![])
        );
    }

    #[test]
    fn help_lists_the_configured_labels() {
        let help = Label.help(&config(), &[]);
        assert_eq!(
            help.config[""],
            r#"The label plugin will work on "kind/*", "priority/*", "area/*", "api-review/*" and "Orchestrator/Foo/*" labels."#
        );
        assert_eq!(
            Label.help(&Config::default(), &[]).config[""],
            r#"The label plugin will work on "kind/*", "priority/*" and "area/*" labels."#
        );
        assert_eq!(help.commands.len(), 1);
    }
}
