//! Builders for plan tests: deliveries of the events plugins handle, with GitHub's payload shape
//! (parsed as hook parses a webhook), and facts given up front.

use crate::{Action, Delivery, Fact, Facts, Input, IssueRef, Known, NeedFacts, Occasion, Plugin};
use prow_config::Config;
use prow_github::Event;
use prow_github::comment::GenericCommentAction;
use prow_github::events::{Comment, Issue, Label, PullRequest, Review, User};
use prow_github::vocabulary::IssueState;
use prow_ports::github::{
    CombinedStatus, IssueEvent, Milestone, Permission, PullRequestChange, RepoRef, Sha, Status,
    Team,
};
use serde_json::{Value, json};
use std::sync::LazyLock;

/// The pull request most plan tests are about: `kubernetes/test-infra#7`.
pub static PR: LazyLock<IssueRef> = LazyLock::new(|| IssueRef::new("kubernetes", "test-infra", 7));

/// The login of the bot in plan tests.
pub const BOT: &str = "k8s-ci-robot";

/// The instant plan tests decide at.
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_798_761_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// `plugin`'s plan for `delivery` with the default configuration.
pub fn plan(
    plugin: &dyn Plugin,
    delivery: &Delivery,
    facts: &Facts,
) -> Result<Vec<Action>, NeedFacts> {
    plan_with(plugin, delivery, facts, &Config::default())
}

/// `plugin`'s plan for `delivery` with `config`.
pub fn plan_with(
    plugin: &dyn Plugin,
    delivery: &Delivery,
    facts: &Facts,
    config: &Config,
) -> Result<Vec<Action>, NeedFacts> {
    plugin.plan(
        &Input {
            occasion: Occasion::Delivery(delivery),
            config,
            now: now(),
        },
        facts,
    )
}

/// `config.yaml`, one job file and `plugins.yaml` as given, loaded strictly as hook loads them;
/// a test whose configuration does not load fails here, naming the problems.
#[expect(
    clippy::panic,
    reason = "test builders: a test's configuration that does not load fails the test"
)]
pub fn load_config(config_yaml: &str, jobs_yaml: &str, plugins_yaml: &str) -> Config {
    use prow_config::{LoadOptions, Source, Sources};
    let sources = Sources {
        config: Source::new("config.yaml", config_yaml),
        job_files: vec![Source::new("jobs.yaml", jobs_yaml)],
        plugins: Some(Source::new("plugins.yaml", plugins_yaml)),
    };
    match prow_config::load_sources(&sources, LoadOptions { strict: true }) {
        Ok(loaded) => loaded.config,
        Err(problems) => panic!("the test's configuration does not load: {problems:?}"),
    }
}

/// [`load_config`] with only `plugins.yaml`.
pub fn plugins_config(plugins_yaml: &str) -> Config {
    load_config("", "", plugins_yaml)
}

fn user(login: &str) -> Value {
    json!({"login": login, "id": 1, "type": if login.ends_with("[bot]") { "Bot" } else { "User" }})
}

/// A repository as a webhook shows it.
pub fn repository_json(repo: &RepoRef) -> Value {
    json!({
        "id": 1, "name": repo.name, "full_name": repo.full_name(),
        "owner": user(&repo.org), "html_url": format!("https://github.com/{repo}"),
        "default_branch": "main"
    })
}

/// A delivery of the `event` webhook with `payload`, parsed as hook parses one.
pub fn webhook(event: &str, payload: Value) -> Delivery {
    match Event::parse(event, payload.to_string().as_bytes()) {
        Ok(parsed) => Delivery::new("d-1", parsed),
        Err(error) => crate::bug(format_args!(
            "the {event} payload built for a test does not parse: {error}"
        )),
    }
}

/// An issue or pull request of `issue`, by `author`, as a webhook shows it.
pub fn issue_json(issue: &IssueRef, author: &str, is_pr: bool, labels: &[&str]) -> Value {
    let mut value = json!({
        "id": 100 + issue.number.0, "number": issue.number.0, "title": "Fix the widget",
        "body": "", "user": user(author), "state": "open",
        "html_url": format!("https://github.com/{}/{}/{}", issue.repo, if is_pr { "pull" } else { "issues" }, issue.number),
        "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        "assignees": []
    });
    if is_pr {
        value["pull_request"] = json!({"url": format!("https://api.github.com/repos/{}/pulls/{}", issue.repo, issue.number)});
    }
    value
}

/// A new comment on a pull request.
pub fn comment_on_pr(pull: &IssueRef, author: &str, body: &str) -> Delivery {
    comment_on(pull, author, body, true)
}

/// A new comment on an issue.
pub fn comment_on_issue(issue: &IssueRef, author: &str, body: &str) -> Delivery {
    comment_on(issue, author, body, false)
}

/// A new comment on `issue` (a PR when `is_pr`) opened by `issue_author`.
pub fn comment(
    issue: &IssueRef,
    author: &str,
    body: &str,
    is_pr: bool,
    issue_author: &str,
) -> Delivery {
    webhook(
        "issue_comment",
        json!({
            "action": "created",
            "issue": issue_json(issue, issue_author, is_pr, &[]),
            "comment": {
                "id": 5000, "body": body, "user": user(author),
                "html_url": format!("https://github.com/{}/pull/{}#issuecomment-5000", issue.repo, issue.number)
            },
            "repository": repository_json(&issue.repo),
            "sender": user(author),
        }),
    )
}

/// [`comment`] on `issue` opened by alice.
pub fn comment_on(issue: &IssueRef, author: &str, body: &str, is_pr: bool) -> Delivery {
    comment(issue, author, body, is_pr, "alice")
}

/// `delivery`'s comment as edited rather than created.
pub fn edited(mut delivery: Delivery) -> Delivery {
    if let Some(comment) = delivery.comment.as_mut() {
        comment.action = GenericCommentAction::Edited;
    }
    delivery
}

/// `delivery`'s comment as made on an issue or pull request in `state` (`open`, `closed`).
pub fn with_issue_state(mut delivery: Delivery, state: &str) -> Delivery {
    if let Some(comment) = delivery.comment.as_mut() {
        comment.issue_state = state.to_string();
    }
    delivery
}

/// What a reply says: its first line, after the `@login: ` it addresses.
pub fn reply_message(body: &str) -> &str {
    let first = body.lines().next().unwrap_or_default();
    first.split_once(": ").map_or(first, |(_, message)| message)
}

/// A `plugins.yaml` whose `repo_milestone` names a maintainers team for every repository and
/// another for kubernetes/other (what milestone and milestonestatus read).
pub const REPO_MILESTONE_PLUGINS: &str = "repo_milestone:\n  \"\":\n    maintainers_team: milestone-maintainers\n    maintainers_friendly_name: SIG Chairs/TLs\n  kubernetes/other:\n    maintainers_team: leads\n";

/// A pull request as a webhook shows it.
pub fn pull_request_json(pull: &IssueRef, author: &str, labels: &[&str]) -> Value {
    json!({
        "id": 100 + pull.number.0, "number": pull.number.0, "title": "Fix the widget",
        "body": "", "user": user(author), "state": "open", "draft": false,
        "html_url": format!("https://github.com/{}/pull/{}", pull.repo, pull.number),
        "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
        "head": {"ref": "feature", "sha": "headsha0000000000000000000000000000000000", "repo": repository_json(&pull.repo)},
        "base": {"ref": "main", "sha": "basesha0000000000000000000000000000000000", "repo": repository_json(&pull.repo)},
        "assignees": [], "requested_reviewers": []
    })
}

/// A `pull_request` event with `action`, sent by `sender`.
pub fn pull_request_event(pull: &IssueRef, action: &str, author: &str, sender: &str) -> Delivery {
    pull_request_event_with(pull, action, author, sender, |_| {})
}

/// [`pull_request_event`], with the payload changed by `change` first.
pub fn pull_request_event_with(
    pull: &IssueRef,
    action: &str,
    author: &str,
    sender: &str,
    change: impl FnOnce(&mut Value),
) -> Delivery {
    let mut payload = json!({
        "action": action,
        "number": pull.number.0,
        "pull_request": pull_request_json(pull, author, &[]),
        "repository": repository_json(&pull.repo),
        "sender": user(sender),
    });
    change(&mut payload);
    webhook("pull_request", payload)
}

/// A submitted review of a pull request (`approved`, `changes_requested` or `commented`).
pub fn review(pull: &IssueRef, author: &str, state: &str, body: &str) -> Delivery {
    review_with(pull, author, state, body, |_| {})
}

/// [`review`], with the payload changed by `change` first.
pub fn review_with(
    pull: &IssueRef,
    author: &str,
    state: &str,
    body: &str,
    change: impl FnOnce(&mut Value),
) -> Delivery {
    let mut payload = json!({
        "action": "submitted",
        "review": {
            "id": 7000, "user": user(author), "body": body, "state": state,
            "html_url": format!("https://github.com/{}/pull/{}#pullrequestreview-7000", pull.repo, pull.number),
            "commit_id": "headsha0000000000000000000000000000000000"
        },
        "pull_request": pull_request_json(pull, "alice", &[]),
        "repository": repository_json(&pull.repo),
        "sender": user(author),
    });
    change(&mut payload);
    webhook("pull_request_review", payload)
}

/// Facts with the issue's current labels.
pub fn labels(issue: &IssueRef, names: &[&str]) -> Facts {
    Facts::new().labelled(issue, names)
}

/// Building facts for tests.
pub trait Given: Sized {
    fn fact(self, fact: Fact, known: Known) -> Self;

    fn labelled(self, issue: &IssueRef, names: &[&str]) -> Self {
        self.fact(
            Fact::Labels(issue.clone()),
            Known::Labels(labels_named(names)),
        )
    }

    fn bot(self) -> Self {
        self.fact(Fact::BotLogin, Known::Text(BOT.to_string()))
    }

    fn member(self, org: &str, login: &str, is_member: bool) -> Self {
        self.fact(Fact::org_member(org, login), Known::Bool(is_member))
    }

    fn collaborator(self, repo: &RepoRef, login: &str, is_collaborator: bool) -> Self {
        self.fact(
            Fact::collaborator(repo, login),
            Known::Bool(is_collaborator),
        )
    }

    fn permission(self, repo: &RepoRef, login: &str, permission: Permission) -> Self {
        self.fact(Fact::permission(repo, login), Known::Permission(permission))
    }

    fn team(self, org: &str, team: &str, members: &[&str]) -> Self {
        self.fact(Fact::team_members(org, team), logins(members))
    }

    /// The issue's comments: (id, author, body).
    fn comments(self, issue: &IssueRef, comments: &[(u64, &str, &str)]) -> Self {
        self.fact(
            Fact::Comments(issue.clone()),
            Known::Comments(
                comments
                    .iter()
                    .map(|(id, author, body)| comment_by(*id, author, body))
                    .collect(),
            ),
        )
    }

    /// A file at `git_ref`; `None` for none.
    fn file(self, repo: &RepoRef, git_ref: &str, path: &str, content: Option<&str>) -> Self {
        self.fact(
            Fact::file(repo, git_ref, path),
            Known::File(content.map(str::to_string)),
        )
    }

    /// The pull request as GitHub answers for it (base `main`, head `feature` at
    /// `headsha000...`), by `author`, its JSON changed by `change` first.
    fn pull(self, pull: &IssueRef, author: &str, change: impl FnOnce(&mut Value)) -> Self {
        let mut value = pull_request_json(pull, author, &[]);
        change(&mut value);
        match serde_json::from_value(value) {
            Ok(parsed) => self.fact(
                Fact::PullRequest(pull.clone()),
                Known::PullRequest(Box::new(parsed)),
            ),
            Err(error) => crate::bug(format_args!(
                "the pull request built for a test does not parse: {error}"
            )),
        }
    }

    /// The pull request as GitHub reads it (as [`pull_request_json`] shows it, by `author`),
    /// changed by `change`.
    fn pull_request_fact(
        self,
        pull: &IssueRef,
        author: &str,
        change: impl FnOnce(&mut PullRequest),
    ) -> Self {
        let mut read: PullRequest =
            serde_json::from_value(pull_request_json(pull, author, &[])).unwrap_or_default();
        change(&mut read);
        self.fact(
            Fact::PullRequest(pull.clone()),
            Known::PullRequest(Box::new(read)),
        )
    }

    /// The combined status of `git_ref`: its `state` and each context's (context, state).
    fn combined_status(
        self,
        repo: &RepoRef,
        git_ref: &str,
        state: &str,
        statuses: &[(&str, &str)],
    ) -> Self {
        self.fact(
            Fact::combined_status(repo, git_ref),
            Known::Statuses(CombinedStatus {
                sha: git_ref.to_string(),
                state: state.to_string(),
                statuses: statuses
                    .iter()
                    .map(|(context, state)| Status {
                        state: state.to_string(),
                        context: context.to_string(),
                        ..Status::default()
                    })
                    .collect(),
            }),
        )
    }

    /// The files the pull request changes (no lines counted).
    fn changed_files(self, pull: &IssueRef, files: &[&str]) -> Self {
        let files: Vec<(&str, u64, u64)> = files.iter().map(|file| (*file, 0, 0)).collect();
        self.changes(pull, &files)
    }

    /// The files a pull request changes: (filename, additions, deletions).
    fn changes(self, pull: &IssueRef, files: &[(&str, u64, u64)]) -> Self {
        self.fact(
            Fact::ChangedFiles(pull.clone()),
            Known::Changes(
                files
                    .iter()
                    .map(|(filename, additions, deletions)| PullRequestChange {
                        filename: filename.to_string(),
                        status: "modified".into(),
                        additions: *additions,
                        deletions: *deletions,
                        changes: additions + deletions,
                        ..PullRequestChange::default()
                    })
                    .collect(),
            ),
        )
    }

    /// The issue (a PR when `is_pr`) as GitHub reads it (as [`issue_json`] shows it, by
    /// `author`), changed by `change`.
    fn issue_fact(
        self,
        issue: &IssueRef,
        author: &str,
        is_pr: bool,
        change: impl FnOnce(&mut Issue),
    ) -> Self {
        let mut read: Issue =
            serde_json::from_value(issue_json(issue, author, is_pr, &[])).unwrap_or_default();
        change(&mut read);
        self.fact(Fact::Issue(issue.clone()), Known::Issue(Box::new(read)))
    }

    /// The repository's milestones: (number, title, open).
    fn milestones(self, repo: &RepoRef, milestones: &[(u64, &str, bool)]) -> Self {
        self.fact(
            Fact::Milestones(repo.clone()),
            Known::Milestones(
                milestones
                    .iter()
                    .map(|(number, title, open)| Milestone {
                        number: *number,
                        title: title.to_string(),
                        state: if *open {
                            IssueState::Open
                        } else {
                            IssueState::Closed
                        },
                    })
                    .collect(),
            ),
        )
    }

    /// Everyone with access to the repository.
    fn collaborators(self, repo: &RepoRef, names: &[&str]) -> Self {
        self.fact(Fact::Collaborators(repo.clone()), logins(names))
    }

    /// The org's teams: (name, slug).
    fn teams(self, org: &str, teams: &[(&str, &str)]) -> Self {
        self.fact(
            Fact::teams(org),
            Known::Teams(
                teams
                    .iter()
                    .map(|(name, slug)| Team {
                        name: name.to_string(),
                        slug: slug.to_string(),
                        ..Team::default()
                    })
                    .collect(),
            ),
        )
    }

    /// A GraphQL query's `data`.
    fn graphql(self, org: &str, query: &str, variables: &Value, data: Value) -> Self {
        self.fact(Fact::graphql(org, query, variables), Known::Json(data))
    }

    /// The picture the picture source gives (empty: it gave none).
    fn cat_image(self, grumpy: bool, url: &str) -> Self {
        self.fact(Fact::CatImage { grumpy }, Known::Text(url.to_string()))
    }

    fn commit_tree(self, repo: &RepoRef, sha: &str, tree: &str) -> Self {
        self.fact(
            Fact::commit_tree(repo, &Sha::new(sha)),
            Known::Sha(Sha::new(tree)),
        )
    }

    /// The issue's comments: (id, author, body, created_at, updated_at).
    fn timed_comments(self, issue: &IssueRef, comments: &[(u64, &str, &str, &str, &str)]) -> Self {
        self.fact(
            Fact::Comments(issue.clone()),
            Known::Comments(
                comments
                    .iter()
                    .map(|(id, author, body, created, updated)| Comment {
                        created_at: created.to_string(),
                        updated_at: updated.to_string(),
                        html_url: format!(
                            "https://github.com/{}/pull/{}#issuecomment-{id}",
                            issue.repo, issue.number
                        ),
                        ..comment_by(*id, author, body)
                    })
                    .collect(),
            ),
        )
    }

    /// A pull request's reviews: (id, author, state as the API says it, body, submitted_at).
    fn reviews(self, pull: &IssueRef, reviews: &[(u64, &str, &str, &str, &str)]) -> Self {
        self.fact(
            Fact::Reviews(pull.clone()),
            Known::Reviews(
                reviews
                    .iter()
                    .map(|(id, author, state, body, submitted)| Review {
                        id: *id,
                        user: user_named(author),
                        body: body.to_string(),
                        state: serde_json::from_value(json!(state.to_ascii_lowercase()))
                            .unwrap_or_default(),
                        submitted_at: submitted.to_string(),
                        html_url: format!(
                            "https://github.com/{}/pull/{}#pullrequestreview-{id}",
                            pull.repo, pull.number
                        ),
                        ..Review::default()
                    })
                    .collect(),
            ),
        )
    }

    /// A pull request's review comments: (id, author, body, created_at).
    fn review_comments(self, pull: &IssueRef, comments: &[(u64, &str, &str, &str)]) -> Self {
        self.fact(
            Fact::ReviewComments(pull.clone()),
            Known::Comments(
                comments
                    .iter()
                    .map(|(id, author, body, created)| Comment {
                        created_at: created.to_string(),
                        updated_at: created.to_string(),
                        ..comment_by(*id, author, body)
                    })
                    .collect(),
            ),
        )
    }

    /// The issue's events: (event, actor, label).
    fn issue_events(self, issue: &IssueRef, events: &[(&str, &str, &str)]) -> Self {
        self.fact(
            Fact::IssueEvents(issue.clone()),
            Known::IssueEvents(
                events
                    .iter()
                    .map(|(event, actor, label)| IssueEvent {
                        event: event.to_string(),
                        actor: Some(user_named(actor)),
                        label: Some(label_named(label)),
                        ..IssueEvent::default()
                    })
                    .collect(),
            ),
        )
    }

    // For label, assign, lifecycle, help and retitle.
    /// The repository's labels.
    fn repo_labelled(self, repo: &RepoRef, names: &[&str]) -> Self {
        self.fact(
            Fact::RepoLabels(repo.clone()),
            Known::Labels(labels_named(names)),
        )
    }

    /// Whether GitHub lets `login` be assigned in the repository.
    fn assignable(self, repo: &RepoRef, login: &str, can_be_assigned: bool) -> Self {
        self.fact(Fact::assignable(repo, login), Known::Bool(can_be_assigned))
    }
}

/// A user as GitHub's API shows one, by login alone.
pub fn user_named(login: &str) -> User {
    User {
        login: login.to_string(),
        ..User::default()
    }
}

/// [`user_named`], for each of `logins`.
pub fn users_named(logins: &[&str]) -> Vec<User> {
    logins.iter().map(|login| user_named(login)).collect()
}

/// A label as GitHub's API shows one, by name alone.
fn label_named(name: &str) -> Label {
    Label {
        name: name.to_string(),
        ..Label::default()
    }
}

/// [`label_named`], for each of `names`.
fn labels_named(names: &[&str]) -> Vec<Label> {
    names.iter().map(|name| label_named(name)).collect()
}

/// Logins as a fact's answer.
fn logins(names: &[&str]) -> Known {
    Known::Logins(names.iter().map(|name| name.to_string()).collect())
}

/// A comment `id` by `author` saying `body`.
fn comment_by(id: u64, author: &str, body: &str) -> Comment {
    Comment {
        id,
        body: body.to_string(),
        user: user_named(author),
        ..Comment::default()
    }
}

impl Given for Facts {
    fn fact(self, fact: Fact, known: Known) -> Self {
        self.with(fact, known)
    }
}
