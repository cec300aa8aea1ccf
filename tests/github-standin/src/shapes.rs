//! GitHub's JSON shapes, with every field GitHub sends that clients such as octocrab require.
//! URLs point back at the stand-in, so following them works.

use crate::world::{Comment, Issue, Label, Repo, Status, User, World, timestamp};
use serde_json::{Value, json};

pub(crate) fn user(base: &str, user: &User) -> Value {
    let login = &user.login;
    json!({
        "login": login,
        "id": user.id,
        "node_id": format!("U_{}", user.id),
        "avatar_url": format!("{base}/avatars/{login}"),
        "gravatar_id": "",
        "url": format!("{base}/users/{login}"),
        "html_url": format!("{base}/{login}"),
        "followers_url": format!("{base}/users/{login}/followers"),
        "following_url": format!("{base}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{base}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{base}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{base}/users/{login}/subscriptions"),
        "organizations_url": format!("{base}/users/{login}/orgs"),
        "repos_url": format!("{base}/users/{login}/repos"),
        "events_url": format!("{base}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{base}/users/{login}/received_events"),
        "type": user.kind,
        "site_admin": false
    })
}

/// The user `login`, or a plausible one when the world has none by that name.
pub(crate) fn user_by_login(world: &World, base: &str, login: &str) -> Value {
    match world.users.get(login) {
        Some(found) => user(base, found),
        None => user(
            base,
            &User {
                id: 0,
                login: login.to_string(),
                kind: "User",
            },
        ),
    }
}

pub(crate) fn repo(world: &World, base: &str, repo: &Repo) -> Value {
    let full = repo.full_name();
    let api = format!("{base}/repos/{full}");
    json!({
        "id": repo.id,
        "node_id": format!("R_{}", repo.id),
        "name": repo.name,
        "full_name": full,
        "private": repo.private,
        "owner": user_by_login(world, base, &repo.owner),
        "html_url": format!("{base}/{full}"),
        "description": repo.settings.description,
        "fork": false,
        "url": api,
        "forks_url": format!("{api}/forks"),
        "keys_url": format!("{api}/keys{{/key_id}}"),
        "collaborators_url": format!("{api}/collaborators{{/collaborator}}"),
        "teams_url": format!("{api}/teams"),
        "hooks_url": format!("{api}/hooks"),
        "issue_events_url": format!("{api}/issues/events{{/number}}"),
        "events_url": format!("{api}/events"),
        "assignees_url": format!("{api}/assignees{{/user}}"),
        "branches_url": format!("{api}/branches{{/branch}}"),
        "tags_url": format!("{api}/tags"),
        "blobs_url": format!("{api}/git/blobs{{/sha}}"),
        "git_tags_url": format!("{api}/git/tags{{/sha}}"),
        "git_refs_url": format!("{api}/git/refs{{/sha}}"),
        "trees_url": format!("{api}/git/trees{{/sha}}"),
        "statuses_url": format!("{api}/statuses/{{sha}}"),
        "languages_url": format!("{api}/languages"),
        "stargazers_url": format!("{api}/stargazers"),
        "contributors_url": format!("{api}/contributors"),
        "subscribers_url": format!("{api}/subscribers"),
        "subscription_url": format!("{api}/subscription"),
        "commits_url": format!("{api}/commits{{/sha}}"),
        "git_commits_url": format!("{api}/git/commits{{/sha}}"),
        "comments_url": format!("{api}/comments{{/number}}"),
        "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
        "contents_url": format!("{api}/contents/{{+path}}"),
        "compare_url": format!("{api}/compare/{{base}}...{{head}}"),
        "merges_url": format!("{api}/merges"),
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "downloads_url": format!("{api}/downloads"),
        "issues_url": format!("{api}/issues{{/number}}"),
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "milestones_url": format!("{api}/milestones{{/number}}"),
        "notifications_url": format!("{api}/notifications{{?since,all,participating}}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "releases_url": format!("{api}/releases{{/id}}"),
        "deployments_url": format!("{api}/deployments"),
        "created_at": timestamp(1_767_225_600),
        "updated_at": timestamp(1_767_225_600),
        "pushed_at": timestamp(1_767_225_600),
        "git_url": format!("git://stand-in/{full}.git"),
        "ssh_url": format!("git@stand-in:{full}.git"),
        "clone_url": format!("{base}/{full}.git"),
        "svn_url": format!("{base}/{full}"),
        "homepage": repo.settings.homepage,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "has_issues": repo.settings.has_issues,
        "has_projects": repo.settings.has_projects,
        "has_downloads": false,
        "has_wiki": repo.settings.has_wiki,
        "has_pages": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": repo.settings.archived,
        "disabled": false,
        "open_issues_count": repo.issues.values().filter(|i| i.open).count(),
        "license": null,
        "forks": 0,
        "open_issues": repo.issues.values().filter(|i| i.open).count(),
        "watchers": 0,
        "default_branch": repo.default_branch,
        "allow_merge_commit": repo.settings.allow_merge_commit,
        "allow_squash_merge": repo.settings.allow_squash_merge,
        "allow_rebase_merge": repo.settings.allow_rebase_merge,
        "is_template": false,
        "topics": [],
        "custom_properties": {},
        "web_commit_signoff_required": false,
        "visibility": repo.visibility()
    })
}

fn reactions(url: &str) -> Value {
    json!({
        "url": format!("{url}/reactions"),
        "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
        "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
    })
}

pub(crate) fn label(base: &str, full_name: &str, label: &Label) -> Value {
    json!({
        "id": label.id,
        "node_id": format!("LA_{}", label.id),
        "url": format!("{base}/repos/{full_name}/labels/{}", label.name),
        "name": label.name,
        "description": label.description,
        "color": label.color,
        "default": false
    })
}

/// A label on an issue, described by the repo's label of that name when it exists.
pub(crate) fn issue_label(base: &str, repo: &Repo, name: &str) -> Value {
    match repo.labels.get(name) {
        Some(found) => label(base, &repo.full_name(), found),
        None => label(
            base,
            &repo.full_name(),
            &Label {
                id: 0,
                name: name.to_string(),
                color: "ededed".into(),
                description: String::new(),
            },
        ),
    }
}

pub(crate) fn author_association(repo: &Repo, world: &World, login: &str) -> &'static str {
    if login == repo.owner {
        "OWNER"
    } else if world
        .orgs
        .get(&repo.owner)
        .is_some_and(|o| o.members.contains(login))
    {
        "MEMBER"
    } else if repo.collaborators.contains_key(login) {
        "COLLABORATOR"
    } else {
        "NONE"
    }
}

/// When a closed issue was closed: the world keeps no separate time, and closing is the last
/// change a closed issue usually had.
fn closed_at(issue: &Issue) -> Value {
    if issue.open {
        Value::Null
    } else {
        json!(timestamp(issue.updated_at))
    }
}

fn merged_at(issue: &Issue) -> Value {
    if issue.pull.as_ref().is_some_and(|p| p.merged) {
        closed_at(issue)
    } else {
        Value::Null
    }
}

pub(crate) fn issue(world: &World, base: &str, repo: &Repo, issue: &Issue) -> Value {
    let full = repo.full_name();
    let api = format!("{base}/repos/{full}/issues/{}", issue.number);
    let mut value = json!({
        "url": api,
        "repository_url": format!("{base}/repos/{full}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "comments_url": format!("{api}/comments"),
        "events_url": format!("{api}/events"),
        "html_url": format!("{base}/{full}/{}/{}", if issue.pull.is_some() { "pull" } else { "issues" }, issue.number),
        "id": issue.id,
        "node_id": format!("I_{}", issue.id),
        "number": issue.number,
        "title": issue.title,
        "user": user_by_login(world, base, &issue.author),
        "labels": issue.labels.iter().map(|l| issue_label(base, repo, l)).collect::<Vec<_>>(),
        "state": if issue.open { "open" } else { "closed" },
        "state_reason": issue.state_reason,
        "locked": false,
        "assignee": issue.assignees.first().map(|a| user_by_login(world, base, a)),
        "assignees": issue.assignees.iter().map(|a| user_by_login(world, base, a)).collect::<Vec<_>>(),
        "milestone": issue.milestone.and_then(|n| repo.milestones.get(&n)).map(|m| milestone(world, base, repo, m)),
        "comments": issue.comments.len(),
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
        "closed_at": closed_at(issue),
        "author_association": author_association(repo, world, &issue.author),
        "active_lock_reason": null,
        "body": issue.body,
        "reactions": reactions(&api),
        "timeline_url": format!("{api}/timeline"),
        "performed_via_github_app": null,
    });
    if issue.pull.is_some() {
        value["pull_request"] = json!({
            "url": format!("{base}/repos/{full}/pulls/{}", issue.number),
            "html_url": format!("{base}/{full}/pull/{}", issue.number),
            "diff_url": format!("{base}/{full}/pull/{}.diff", issue.number),
            "patch_url": format!("{base}/{full}/pull/{}.patch", issue.number),
            "merged_at": merged_at(issue),
        });
    }
    value
}

pub(crate) fn pull_request(world: &World, base: &str, repo: &Repo, issue: &Issue) -> Value {
    let Some(pull) = &issue.pull else {
        return Value::Null;
    };
    let full = repo.full_name();
    let api = format!("{base}/repos/{full}/pulls/{}", issue.number);
    let repo_json = self::repo(world, base, repo);
    let branch = |name: &str, sha: &str| {
        json!({
            "label": format!("{}:{name}", repo.owner),
            "ref": name,
            "sha": sha,
            "user": user_by_login(world, base, &repo.owner),
            "repo": repo_json,
        })
    };
    json!({
        "url": api,
        "id": issue.id,
        "node_id": format!("PR_{}", issue.id),
        "html_url": format!("{base}/{full}/pull/{}", issue.number),
        "diff_url": format!("{base}/{full}/pull/{}.diff", issue.number),
        "patch_url": format!("{base}/{full}/pull/{}.patch", issue.number),
        "issue_url": format!("{base}/repos/{full}/issues/{}", issue.number),
        "commits_url": format!("{api}/commits"),
        "review_comments_url": format!("{api}/comments"),
        "review_comment_url": format!("{base}/repos/{full}/pulls/comments{{/number}}"),
        "comments_url": format!("{base}/repos/{full}/issues/{}/comments", issue.number),
        "statuses_url": format!("{base}/repos/{full}/statuses/{}", pull.head_sha),
        "number": issue.number,
        "state": if issue.open { "open" } else { "closed" },
        "locked": false,
        "title": issue.title,
        "user": user_by_login(world, base, &issue.author),
        "body": issue.body,
        "labels": issue.labels.iter().map(|l| issue_label(base, repo, l)).collect::<Vec<_>>(),
        "milestone": issue.milestone.and_then(|n| repo.milestones.get(&n)).map(|m| milestone(world, base, repo, m)),
        "active_lock_reason": null,
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
        "closed_at": closed_at(issue),
        "merged_at": merged_at(issue),
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": issue.assignees.first().map(|a| user_by_login(world, base, a)),
        "assignees": issue.assignees.iter().map(|a| user_by_login(world, base, a)).collect::<Vec<_>>(),
        "requested_reviewers": issue.requested_reviewers.iter().map(|r| user_by_login(world, base, r)).collect::<Vec<_>>(),
        "requested_teams": issue.requested_teams.iter().filter_map(|slug| {
            world.orgs.get(&repo.owner).and_then(|o| o.teams.get(slug).map(|t| team(base, &repo.owner, o, slug, t)))
        }).collect::<Vec<_>>(),
        "head": branch(&pull.head_ref, &pull.head_sha),
        "base": branch(&pull.base_ref, &pull.base_sha),
        "author_association": author_association(repo, world, &issue.author),
        "draft": pull.draft,
        "merged": pull.merged,
        "mergeable": pull.mergeable,
        "mergeable_state": match pull.mergeable { Some(true) => "clean", Some(false) => "dirty", None => "unknown" },
        "comments": issue.comments.len(),
        "review_comments": 0,
        "maintainer_can_modify": false,
        "rebaseable": pull.mergeable,
        "merged_by": null,
        "auto_merge": null,
        "_links": {
            "self": {"href": api.clone()},
            "html": {"href": format!("{base}/{full}/pull/{}", issue.number)},
            "issue": {"href": format!("{base}/repos/{full}/issues/{}", issue.number)},
            "comments": {"href": format!("{base}/repos/{full}/issues/{}/comments", issue.number)},
            "review_comments": {"href": format!("{api}/comments")},
            "review_comment": {"href": format!("{base}/repos/{full}/pulls/comments{{/number}}")},
            "commits": {"href": format!("{api}/commits")},
            "statuses": {"href": format!("{base}/repos/{full}/statuses/{}", pull.head_sha)},
        },
        "commits": 1,
        "additions": pull.files.iter().map(|f| f.additions).sum::<u64>(),
        "deletions": pull.files.iter().map(|f| f.deletions).sum::<u64>(),
        "changed_files": pull.files.len(),
    })
}

pub(crate) fn milestone(
    world: &World,
    base: &str,
    repo: &Repo,
    milestone: &crate::world::Milestone,
) -> Value {
    let full = repo.full_name();
    let api = format!("{base}/repos/{full}/milestones/{}", milestone.number);
    let (open, closed) = repo
        .issues
        .values()
        .filter(|i| i.milestone == Some(milestone.number))
        .fold(
            (0, 0),
            |(o, c), i| if i.open { (o + 1, c) } else { (o, c + 1) },
        );
    json!({
        "url": api,
        "html_url": format!("{base}/{full}/milestone/{}", milestone.number),
        "labels_url": format!("{api}/labels"),
        "id": milestone.id,
        "node_id": format!("MI_{}", milestone.id),
        "number": milestone.number,
        "title": milestone.title,
        "description": null,
        "creator": user_by_login(world, base, &repo.owner),
        "open_issues": open,
        "closed_issues": closed,
        "state": if milestone.open { "open" } else { "closed" },
        "created_at": timestamp(1_767_225_600),
        "updated_at": timestamp(1_767_225_600),
        "due_on": null,
        "closed_at": null
    })
}

pub(crate) fn review(
    world: &World,
    base: &str,
    repo: &Repo,
    number: u64,
    review: &crate::world::Review,
) -> Value {
    let full = repo.full_name();
    json!({
        "id": review.id,
        "node_id": format!("PRR_{}", review.id),
        "user": user_by_login(world, base, &review.author),
        "body": review.body,
        "state": review.state,
        "html_url": format!("{base}/{full}/pull/{number}#pullrequestreview-{}", review.id),
        "pull_request_url": format!("{base}/repos/{full}/pulls/{number}"),
        "author_association": author_association(repo, world, &review.author),
        "_links": {"html": {"href": format!("{base}/{full}/pull/{number}#pullrequestreview-{}", review.id)}, "pull_request": {"href": format!("{base}/repos/{full}/pulls/{number}")}},
        "submitted_at": timestamp(review.submitted_at),
        "commit_id": review.commit_id
    })
}

pub(crate) fn comment(
    world: &World,
    base: &str,
    repo: &Repo,
    number: u64,
    comment: &Comment,
) -> Value {
    let full = repo.full_name();
    json!({
        "url": format!("{base}/repos/{full}/issues/comments/{}", comment.id),
        "html_url": format!("{base}/{full}/issues/{number}#issuecomment-{}", comment.id),
        "issue_url": format!("{base}/repos/{full}/issues/{number}"),
        "id": comment.id,
        "node_id": format!("IC_{}", comment.id),
        "user": user_by_login(world, base, &comment.author),
        "created_at": timestamp(comment.created_at),
        "updated_at": timestamp(comment.updated_at),
        "author_association": author_association(repo, world, &comment.author),
        "body": comment.body,
        "reactions": reactions(&format!("{base}/repos/{full}/issues/comments/{}", comment.id)),
        "performed_via_github_app": null,
    })
}

pub(crate) fn status(world: &World, base: &str, repo: &Repo, sha: &str, status: &Status) -> Value {
    json!({
        "url": format!("{base}/repos/{}/statuses/{sha}", repo.full_name()),
        "avatar_url": null,
        "id": status.id,
        "node_id": format!("SC_{}", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": if status.target_url.is_empty() { Value::Null } else { Value::from(status.target_url.clone()) },
        "context": status.context,
        "created_at": timestamp(status.created_at),
        "updated_at": timestamp(status.created_at),
        "creator": user_by_login(world, base, &status.creator),
    })
}

/// GitHub's combined state: failure or error wins, then pending (or no statuses), then success.
pub(crate) fn combined_state(statuses: &[Status]) -> &'static str {
    if statuses
        .iter()
        .any(|s| s.state == "failure" || s.state == "error")
    {
        "failure"
    } else if statuses.is_empty() || statuses.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    }
}

/// A team of `org`, as GitHub lists it, its parent as GitHub shows one.
pub(crate) fn team(
    base: &str,
    org_name: &str,
    org: &crate::world::Org,
    slug: &str,
    team: &crate::world::Team,
) -> Value {
    let mut value = team_simple(base, org_name, slug, team);
    value["parent"] = team
        .parent
        .and_then(|id| org.teams.iter().find(|(_, t)| t.id == id))
        .map_or(Value::Null, |(parent_slug, parent)| {
            team_simple(base, org_name, parent_slug, parent)
        });
    value
}

/// A team without its parent (GitHub's `team-simple`).
pub(crate) fn team_simple(base: &str, org: &str, slug: &str, team: &crate::world::Team) -> Value {
    json!({
        "id": team.id, "node_id": format!("T_{}", team.id), "slug": slug, "name": team.name,
        "description": team.description, "privacy": team.privacy, "permission": "pull",
        "notification_setting": "notifications_enabled",
        "url": format!("{base}/orgs/{org}/teams/{slug}"),
        "html_url": format!("{base}/orgs/{org}/teams/{slug}"),
        "members_url": format!("{base}/orgs/{org}/teams/{slug}/members{{/member}}"),
        "repositories_url": format!("{base}/orgs/{org}/teams/{slug}/repos"),
    })
}
