//! Webhooks: what happens in the world (a pull request opened or pushed to, a comment, a label,
//! a status) queues the event GitHub would send, with GitHub's payload shape; delivery signs the
//! exact bytes with HMAC-SHA256 and posts them with GitHub's headers.

use crate::shapes;
use crate::world::{Issue, Repo, World, timestamp};
use serde_json::{Value, json};

/// How an issue or pull request is rendered into a payload (`shapes::issue`, `shapes::pull_request`).
type IssueShape = fn(&World, &str, &Repo, &Issue) -> Value;

/// One webhook, ready to send.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// `X-GitHub-Event`.
    pub event: String,
    /// `X-GitHub-Delivery`.
    pub id: String,
    /// The JSON body, signed as is.
    pub body: Vec<u8>,
    /// Sent again because someone asked (`POST …/deliveries/{id}/attempts`).
    pub redelivery: bool,
}

impl Delivery {
    pub fn payload(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// `event:action` (`-` for events without an action, e.g. `push:-`), as tests list them.
    pub fn kind(&self) -> String {
        let action = self.payload()["action"].as_str().unwrap_or("-").to_string();
        format!("{}:{action}", self.event)
    }
}

/// `sha256=<hex>`: GitHub's `X-Hub-Signature-256` of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl World {
    fn emit(&mut self, event: &str, payload: Value) {
        self.deliveries += 1;
        let id = format!(
            "{:08x}-5e1f-4a11-9c0d-{:012x}",
            self.deliveries, self.deliveries
        );
        let body = serde_json::to_vec(&payload).unwrap_or_default();
        self.outbox.push(Delivery {
            event: event.to_string(),
            id,
            body,
            redelivery: false,
        });
    }

    fn sender(&self, login: &str) -> Value {
        shapes::user_by_login(self, &self.api_base, login)
    }

    fn repository(&self, full_name: &str) -> Value {
        self.repo(full_name)
            .map(|repo| shapes::repo(self, &self.api_base, repo))
            .unwrap_or(Value::Null)
    }

    pub(crate) fn emit_pull_request(
        &mut self,
        full_name: &str,
        number: u64,
        action: &str,
        sender: &str,
        before: Option<&str>,
    ) {
        let shape = ("pull_request", shapes::pull_request as IssueShape);
        let Some(mut payload) = self.issue_event(full_name, number, action, sender, shape) else {
            return;
        };
        payload["number"] = json!(number);
        if let (Some(before), Some(pull)) = (before, self.pull(full_name, number)) {
            payload["before"] = json!(before);
            payload["after"] = json!(pull.head_sha);
        }
        self.emit("pull_request", payload);
    }

    /// The fields every `issues` and `pull_request` payload has, with the issue rendered under
    /// `key` by `shape`; `None` when there is no such issue.
    fn issue_event(
        &self,
        full_name: &str,
        number: u64,
        action: &str,
        sender: &str,
        (key, shape): (&str, IssueShape),
    ) -> Option<Value> {
        let (repo, issue) = self.repo_and_issue(full_name, number)?;
        Some(json!({
            "action": action,
            key: shape(self, &self.api_base, repo, issue),
            "repository": self.repository(full_name),
            "sender": self.sender(sender),
        }))
    }

    pub(crate) fn emit_issue(&mut self, full_name: &str, number: u64, action: &str, sender: &str) {
        let shape = ("issue", shapes::issue as IssueShape);
        if let Some(payload) = self.issue_event(full_name, number, action, sender, shape) {
            self.emit("issues", payload);
        }
    }

    fn label_json(&self, full_name: &str, name: &str) -> Value {
        self.repo(full_name)
            .and_then(|repo| repo.labels.get(name))
            .map(|label| shapes::label(&self.api_base, full_name, label))
            .unwrap_or(Value::Null)
    }

    /// `labeled` on a pull request is a `pull_request` event; on an issue an `issues` event.
    pub(crate) fn emit_labeled(&mut self, full_name: &str, number: u64, name: &str, sender: &str) {
        self.emit_label_change(full_name, number, "labeled", name, sender);
    }

    /// `action` on an issue or pull request (an `issues` or a `pull_request` event), with
    /// `extra` fields beside the usual ones (`label`, `assignee`).
    pub(crate) fn emit_change(
        &mut self,
        full_name: &str,
        number: u64,
        action: &str,
        sender: &str,
        extra: Vec<(&str, Value)>,
    ) {
        let Some(issue) = self.issue(full_name, number) else {
            return;
        };
        if issue.pull.is_some() {
            self.emit_pull_request(full_name, number, action, sender, None);
        } else {
            self.emit_issue(full_name, number, action, sender);
        }
        if extra.is_empty() {
            return;
        }
        if let Some(last) = self.outbox.last_mut() {
            let mut payload = last.payload();
            for (key, value) in extra {
                payload[key] = value;
            }
            last.body = serde_json::to_vec(&payload).unwrap_or_default();
        }
    }

    pub(crate) fn emit_unlabeled(
        &mut self,
        full_name: &str,
        number: u64,
        name: &str,
        sender: &str,
    ) {
        self.emit_label_change(full_name, number, "unlabeled", name, sender);
    }

    /// `labeled` or `unlabeled` for label `name`, carrying the label.
    fn emit_label_change(
        &mut self,
        full_name: &str,
        number: u64,
        action: &str,
        name: &str,
        sender: &str,
    ) {
        let label = self.label_json(full_name, name);
        self.emit_change(full_name, number, action, sender, vec![("label", label)]);
    }

    /// `assigned` or `unassigned` for `assignee`.
    pub(crate) fn emit_assignment(
        &mut self,
        full_name: &str,
        number: u64,
        action: &str,
        assignee: &str,
        sender: &str,
    ) {
        let assignee = self.sender(assignee);
        self.emit_change(
            full_name,
            number,
            action,
            sender,
            vec![("assignee", assignee)],
        );
    }

    pub(crate) fn emit_issue_comment(
        &mut self,
        full_name: &str,
        number: u64,
        comment_id: u64,
        sender: &str,
    ) {
        let Some((repo, issue)) = self.repo_and_issue(full_name, number) else {
            return;
        };
        let Some(comment) = issue.comments.iter().find(|c| c.id == comment_id) else {
            return;
        };
        let payload = json!({
            "action": "created",
            "issue": shapes::issue(self, &self.api_base, repo, issue),
            "comment": shapes::comment(self, &self.api_base, repo, number, comment),
            "repository": self.repository(full_name),
            "sender": self.sender(sender),
        });
        self.emit("issue_comment", payload);
    }

    /// `pull_request_review` `submitted` for review `review_id`, sent by its author.
    pub(crate) fn emit_review(&mut self, full_name: &str, number: u64, review_id: u64) {
        let Some((repo, issue)) = self.repo_and_issue(full_name, number) else {
            return;
        };
        let Some(review) = issue.reviews.iter().find(|r| r.id == review_id) else {
            return;
        };
        let mut review_json = shapes::review(self, &self.api_base, repo, number, review);
        // Webhooks write review states in lower case; the REST API in upper case.
        review_json["state"] = json!(review.state.to_ascii_lowercase());
        // A review's webhook carries the short form of its pull request, without the merge
        // and size fields.
        let mut pull_request = shapes::pull_request(self, &self.api_base, repo, issue);
        if let Some(fields) = pull_request.as_object_mut() {
            for key in [
                "additions",
                "changed_files",
                "comments",
                "commits",
                "deletions",
                "maintainer_can_modify",
                "mergeable",
                "mergeable_state",
                "merged",
                "merged_by",
                "rebaseable",
                "review_comments",
            ] {
                fields.remove(key);
            }
        }
        let payload = json!({
            "action": "submitted",
            "review": review_json,
            "pull_request": pull_request,
            "repository": self.repository(full_name),
            "sender": self.sender(&review.author),
        });
        self.emit("pull_request_review", payload);
    }

    #[expect(clippy::too_many_arguments, reason = "a push has this many parts")]
    pub(crate) fn emit_push(
        &mut self,
        full_name: &str,
        branch: &str,
        before: &str,
        after: &str,
        message: &str,
        files: &[&str],
        pusher: &str,
    ) {
        let base = self.api_base.clone();
        let now = timestamp(self.tick());
        let person = json!({"name": pusher, "email": format!("{pusher}@users.noreply.stand-in"), "username": pusher});
        let commit = json!({
            "id": after,
            "tree_id": crate::world::sha_of(&format!("tree {after}")),
            "distinct": true,
            "message": message,
            "timestamp": now,
            "url": format!("{base}/{full_name}/commit/{after}"),
            "author": person,
            "committer": person,
            "added": [],
            "removed": [],
            "modified": files,
        });
        let payload = json!({
            "ref": format!("refs/heads/{branch}"),
            "before": if before.is_empty() { "0".repeat(40) } else { before.to_string() },
            "after": after,
            "created": before.is_empty(),
            "deleted": false,
            "forced": false,
            "base_ref": null,
            "compare": format!("{base}/{full_name}/compare/{}...{}", &before.get(..12).unwrap_or_default(), &after[..12.min(after.len())]),
            "commits": [commit.clone()],
            "head_commit": commit,
            "repository": self.repository(full_name),
            "pusher": {"name": pusher, "email": format!("{pusher}@users.noreply.stand-in")},
            "sender": self.sender(pusher),
        });
        self.emit("push", payload);
    }

    pub(crate) fn emit_status(
        &mut self,
        full_name: &str,
        sha: &str,
        status: &crate::world::Status,
    ) {
        let base = self.api_base.clone();
        let branches: Vec<Value> = self
            .repo(full_name)
            .map(|repo| {
                repo.branches
                    .iter()
                    .filter(|(_, head)| *head == sha)
                    .map(|(name, head)| json!({"name": name, "commit": {"sha": head, "url": format!("{base}/repos/{full_name}/commits/{head}")}, "protected": repo.protection.contains_key(name)}))
                    .collect()
            })
            .unwrap_or_default();
        let message = self
            .repo(full_name)
            .and_then(|repo| repo.commits.get(sha))
            .map(|c| c.message.clone())
            .unwrap_or_default();
        let creator = self.sender(&status.creator);
        let person = json!({"name": status.creator, "email": format!("{}@users.noreply.stand-in", status.creator), "date": timestamp(status.created_at)});
        let payload = json!({
            "id": status.id,
            "sha": sha,
            "name": full_name,
            "target_url": if status.target_url.is_empty() { Value::Null } else { json!(status.target_url) },
            "context": status.context,
            "description": status.description,
            "state": status.state,
            "commit": {
                "sha": sha,
                "node_id": format!("C_{sha}"),
                "commit": {
                    "author": person,
                    "committer": person,
                    "message": message,
                    "tree": {"sha": crate::world::sha_of(&format!("tree {sha}")), "url": format!("{base}/repos/{full_name}/git/trees/{sha}")},
                    "url": format!("{base}/repos/{full_name}/git/commits/{sha}"),
                    "comment_count": 0,
                    "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null}
                },
                "url": format!("{base}/repos/{full_name}/commits/{sha}"),
                "html_url": format!("{base}/{full_name}/commit/{sha}"),
                "comments_url": format!("{base}/repos/{full_name}/commits/{sha}/comments"),
                "author": creator,
                "committer": creator,
                "parents": []
            },
            "branches": branches,
            "created_at": timestamp(status.created_at),
            "updated_at": timestamp(status.created_at),
            "repository": self.repository(full_name),
            "sender": creator,
        });
        self.emit("status", payload);
    }
}
