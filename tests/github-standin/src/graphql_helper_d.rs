//! What needs-rebase's search selects of a pull request beyond tide's: its `state`.

use crate::world::Issue;
use serde_json::Value;

/// `node` (a pull request as tide's search selects it) with GitHub's `PullRequestState` when
/// the query selects the pull request's own `state` (tide's selects only its contexts').
pub(crate) fn with_state(mut node: Value, issue: &Issue, query: &str) -> Value {
    if !selects_pull_request_state(query) {
        return node;
    }
    let state = match &issue.pull {
        Some(pull) if pull.merged => "MERGED",
        _ if issue.open => "OPEN",
        _ => "CLOSED",
    };
    if let Some(fields) = node.as_object_mut() {
        fields.insert("state".to_string(), Value::from(state));
    }
    node
}

/// Whether `state` is a field of the `... on PullRequest` selection itself.
fn selects_pull_request_state(query: &str) -> bool {
    let Some(start) = query.find("on PullRequest") else {
        return false;
    };
    let mut depth = 0usize;
    let mut field = String::new();
    for c in query[start..].chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            field.push(c);
            continue;
        }
        if depth == 1 && field == "state" {
            return true;
        }
        field.clear();
        match c {
            '{' => depth += 1,
            '}' if depth <= 1 => return false,
            '}' => depth -= 1,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pull_requests_own_state_counts() {
        assert!(selects_pull_request_state(
            "{search(query: $q){nodes{... on PullRequest{number,labels(first:100){nodes{name}},mergeable,state}}}}"
        ));
        assert!(!selects_pull_request_state(
            "{search{nodes{... on PullRequest { number commits { nodes { commit { status { contexts { state } } } } } mergeable } }}}"
        ));
        assert!(!selects_pull_request_state(
            "{search{nodes{... on Issue{state}}}}"
        ));
    }
}
