//! Every GitHub REST endpoint the client calls, declared once: method and route together. The
//! route is the ledger's `endpoint` label; [`Endpoint::path`] fills in its `{placeholders}`.

use http::Method;

pub(crate) struct Endpoint {
    pub method: Method,
    /// GitHub's route template, `{name}` for each path parameter.
    pub route: &'static str,
    /// A POST whose effect is the same when sent twice (adding a label, setting a status).
    post_resendable: bool,
}

impl Endpoint {
    const fn new(method: Method, route: &'static str) -> Endpoint {
        Endpoint {
            method,
            route,
            post_resendable: false,
        }
    }

    /// Marks a POST as safe to send again: sending it twice leaves GitHub as sending it once.
    const fn resendable(mut self) -> Endpoint {
        self.post_resendable = true;
        self
    }

    /// Whether a call that failed without an answer, or with GitHub's 5xx, may be sent again:
    /// reads and GitHub's PUT, PATCH and DELETE (they set a state), and the POSTs marked
    /// [`Endpoint::resendable`]. Creating a comment, a review or a check run is not.
    pub fn resendable_on_failure(&self) -> bool {
        self.method != Method::POST || self.post_resendable
    }

    /// The route with its placeholders replaced by `values`, in order. Values are used as given:
    /// callers encode segments that may hold reserved characters ([`crate::segment`]).
    pub fn path(&self, values: &[&str]) -> String {
        let mut path = String::with_capacity(self.route.len() + 32);
        let mut values = values.iter();
        let mut rest = self.route;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            path.push_str(values.next().copied().unwrap_or_default());
            rest = &rest[open + close + 1..];
        }
        path.push_str(rest);
        path
    }
}

pub(crate) static USER: Endpoint = Endpoint::new(Method::GET, "/user");
pub(crate) static APP: Endpoint = Endpoint::new(Method::GET, "/app");
pub(crate) static APP_INSTALLATIONS: Endpoint = Endpoint::new(Method::GET, "/app/installations");
pub(crate) static INSTALLATION_TOKEN: Endpoint =
    Endpoint::new(Method::POST, "/app/installations/{id}/access_tokens").resendable();

pub(crate) static APP_HOOK_DELIVERIES: Endpoint =
    Endpoint::new(Method::GET, "/app/hook/deliveries");
pub(crate) static APP_HOOK_REDELIVER: Endpoint =
    Endpoint::new(Method::POST, "/app/hook/deliveries/{id}/attempts");
pub(crate) static REPO_HOOK_DELIVERIES: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/hooks/{hook}/deliveries");
pub(crate) static REPO_HOOK_REDELIVER: Endpoint = Endpoint::new(
    Method::POST,
    "/repos/{org}/{repo}/hooks/{hook}/deliveries/{id}/attempts",
);
pub(crate) static ORG_HOOK_DELIVERIES: Endpoint =
    Endpoint::new(Method::GET, "/orgs/{org}/hooks/{hook}/deliveries");
pub(crate) static ORG_HOOK_REDELIVER: Endpoint = Endpoint::new(
    Method::POST,
    "/orgs/{org}/hooks/{hook}/deliveries/{id}/attempts",
);

pub(crate) static CREATE_COMMENT: Endpoint =
    Endpoint::new(Method::POST, "/repos/{org}/{repo}/issues/{number}/comments");
pub(crate) static LIST_COMMENTS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/issues/{number}/comments");
pub(crate) static EDIT_COMMENT: Endpoint =
    Endpoint::new(Method::PATCH, "/repos/{org}/{repo}/issues/comments/{id}");
pub(crate) static DELETE_COMMENT: Endpoint =
    Endpoint::new(Method::DELETE, "/repos/{org}/{repo}/issues/comments/{id}");

pub(crate) static ISSUE_LABELS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/issues/{number}/labels");
pub(crate) static ADD_LABELS: Endpoint =
    Endpoint::new(Method::POST, "/repos/{org}/{repo}/issues/{number}/labels").resendable();
pub(crate) static REMOVE_LABEL: Endpoint = Endpoint::new(
    Method::DELETE,
    "/repos/{org}/{repo}/issues/{number}/labels/{name}",
);
pub(crate) static REPO_LABELS: Endpoint = Endpoint::new(Method::GET, "/repos/{org}/{repo}/labels");
pub(crate) static ADD_ASSIGNEES: Endpoint = Endpoint::new(
    Method::POST,
    "/repos/{org}/{repo}/issues/{number}/assignees",
)
.resendable();
pub(crate) static REMOVE_ASSIGNEES: Endpoint = Endpoint::new(
    Method::DELETE,
    "/repos/{org}/{repo}/issues/{number}/assignees",
);
pub(crate) static ASSIGNEE: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/assignees/{user}");
pub(crate) static UNREQUEST_REVIEWERS: Endpoint = Endpoint::new(
    Method::DELETE,
    "/repos/{org}/{repo}/pulls/{number}/requested_reviewers",
);
pub(crate) static GET_ISSUE: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/issues/{number}");
pub(crate) static EDIT_ISSUE: Endpoint =
    Endpoint::new(Method::PATCH, "/repos/{org}/{repo}/issues/{number}");
pub(crate) static MILESTONES: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/milestones");
pub(crate) static REVIEWS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/pulls/{number}/reviews");
pub(crate) static GIT_COMMIT: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/git/commits/{sha}");
pub(crate) static REQUEST_REVIEWERS: Endpoint = Endpoint::new(
    Method::POST,
    "/repos/{org}/{repo}/pulls/{number}/requested_reviewers",
)
.resendable();

pub(crate) static CREATE_STATUS: Endpoint =
    Endpoint::new(Method::POST, "/repos/{org}/{repo}/statuses/{sha}").resendable();
pub(crate) static COMBINED_STATUS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/commits/{ref}/status");
pub(crate) static CREATE_CHECK_RUN: Endpoint =
    Endpoint::new(Method::POST, "/repos/{org}/{repo}/check-runs");
pub(crate) static LIST_CHECK_RUNS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/commits/{ref}/check-runs");
pub(crate) static UPDATE_CHECK_RUN: Endpoint =
    Endpoint::new(Method::PATCH, "/repos/{org}/{repo}/check-runs/{id}");

pub(crate) static PULL_REQUEST: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/pulls/{number}");
pub(crate) static PULL_REQUEST_FILES: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/pulls/{number}/files");
pub(crate) static MERGE: Endpoint =
    Endpoint::new(Method::PUT, "/repos/{org}/{repo}/pulls/{number}/merge");

pub(crate) static ORG_MEMBER: Endpoint = Endpoint::new(Method::GET, "/orgs/{org}/members/{user}");
pub(crate) static COLLABORATOR: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/collaborators/{user}");
pub(crate) static PERMISSION: Endpoint = Endpoint::new(
    Method::GET,
    "/repos/{org}/{repo}/collaborators/{user}/permission",
);
pub(crate) static TEAM_MEMBERS: Endpoint =
    Endpoint::new(Method::GET, "/orgs/{org}/teams/{slug}/members");

pub(crate) static CONTENTS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/contents/{path}");
pub(crate) static GRAPHQL: Endpoint = Endpoint::new(Method::POST, "/graphql").resendable();

// For the OWNERS-based plugins.
pub(crate) static COLLABORATORS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/collaborators");
pub(crate) static REVIEW_COMMENTS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/pulls/{number}/comments");
pub(crate) static ISSUE_EVENTS: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/issues/{number}/events");
pub(crate) static TEAMS: Endpoint = Endpoint::new(Method::GET, "/orgs/{org}/teams");
pub(crate) static BRANCH_REF: Endpoint =
    Endpoint::new(Method::GET, "/repos/{org}/{repo}/git/ref/heads/{branch}");
pub(crate) static REQUIRED_STATUS_CHECKS: Endpoint = Endpoint::new(
    Method::GET,
    "/repos/{org}/{repo}/branches/{branch}/protection/required_status_checks",
);
pub(crate) static CREATE_REVIEW: Endpoint =
    Endpoint::new(Method::POST, "/repos/{org}/{repo}/pulls/{number}/reviews");

// For the org administration tools (peribolos, branchprotector).
pub(crate) static ORG: Endpoint = Endpoint::new(Method::GET, "/orgs/{org}");
pub(crate) static EDIT_ORG: Endpoint = Endpoint::new(Method::PATCH, "/orgs/{org}");
pub(crate) static ORG_MEMBERS: Endpoint = Endpoint::new(Method::GET, "/orgs/{org}/members");
pub(crate) static ORG_INVITATIONS: Endpoint = Endpoint::new(Method::GET, "/orgs/{org}/invitations");
pub(crate) static SET_ORG_MEMBERSHIP: Endpoint =
    Endpoint::new(Method::PUT, "/orgs/{org}/memberships/{user}");
pub(crate) static REMOVE_ORG_MEMBERSHIP: Endpoint =
    Endpoint::new(Method::DELETE, "/orgs/{org}/memberships/{user}");
pub(crate) static CREATE_TEAM: Endpoint = Endpoint::new(Method::POST, "/orgs/{org}/teams");
pub(crate) static EDIT_TEAM: Endpoint = Endpoint::new(Method::PATCH, "/orgs/{org}/teams/{slug}");
pub(crate) static DELETE_TEAM: Endpoint = Endpoint::new(Method::DELETE, "/orgs/{org}/teams/{slug}");
pub(crate) static TEAM_INVITATIONS: Endpoint =
    Endpoint::new(Method::GET, "/orgs/{org}/teams/{slug}/invitations");
pub(crate) static SET_TEAM_MEMBERSHIP: Endpoint =
    Endpoint::new(Method::PUT, "/orgs/{org}/teams/{slug}/memberships/{user}");
pub(crate) static REMOVE_TEAM_MEMBERSHIP: Endpoint = Endpoint::new(
    Method::DELETE,
    "/orgs/{org}/teams/{slug}/memberships/{user}",
);
pub(crate) static TEAM_REPOS: Endpoint =
    Endpoint::new(Method::GET, "/orgs/{org}/teams/{slug}/repos");
pub(crate) static SET_TEAM_REPO: Endpoint =
    Endpoint::new(Method::PUT, "/orgs/{org}/teams/{slug}/repos/{owner}/{repo}");
pub(crate) static REMOVE_TEAM_REPO: Endpoint = Endpoint::new(
    Method::DELETE,
    "/orgs/{org}/teams/{slug}/repos/{owner}/{repo}",
);
pub(crate) static ORG_REPOS: Endpoint = Endpoint::new(Method::GET, "/orgs/{org}/repos");
pub(crate) static CREATE_REPO: Endpoint = Endpoint::new(Method::POST, "/orgs/{org}/repos");
pub(crate) static REPO: Endpoint = Endpoint::new(Method::GET, "/repos/{org}/{repo}");
pub(crate) static EDIT_REPO: Endpoint = Endpoint::new(Method::PATCH, "/repos/{org}/{repo}");
pub(crate) static BRANCHES: Endpoint = Endpoint::new(Method::GET, "/repos/{org}/{repo}/branches");
pub(crate) static BRANCH_PROTECTION: Endpoint = Endpoint::new(
    Method::GET,
    "/repos/{org}/{repo}/branches/{branch}/protection",
);
pub(crate) static UPDATE_BRANCH_PROTECTION: Endpoint = Endpoint::new(
    Method::PUT,
    "/repos/{org}/{repo}/branches/{branch}/protection",
);
pub(crate) static REMOVE_BRANCH_PROTECTION: Endpoint = Endpoint::new(
    Method::DELETE,
    "/repos/{org}/{repo}/branches/{branch}/protection",
);
pub(crate) static REQUIRE_SIGNATURES: Endpoint = Endpoint::new(
    Method::POST,
    "/repos/{org}/{repo}/branches/{branch}/protection/required_signatures",
);
pub(crate) static DROP_SIGNATURES: Endpoint = Endpoint::new(
    Method::DELETE,
    "/repos/{org}/{repo}/branches/{branch}/protection/required_signatures",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_placeholders_in_order() {
        assert_eq!(
            REMOVE_LABEL.path(&["o", "r", "7", "kind%2Fbug"]),
            "/repos/o/r/issues/7/labels/kind%2Fbug"
        );
        assert_eq!(USER.path(&[]), "/user");
        assert_eq!(
            CONTENTS.path(&["o", "r", "a/b/OWNERS"]),
            "/repos/o/r/contents/a/b/OWNERS"
        );
    }
}
