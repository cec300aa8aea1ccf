//! What people do on GitHub besides pushing and commenting, each sending the webhook GitHub
//! sends: retitle a pull request or turn it into a draft and back, edit a description, add or
//! remove a label as someone, reopen, and GitHub working out mergeability.

use crate::world::{Issue, World};

impl World {
    /// Applies `change` to issue `number` and marks the issue updated: what `change` returns,
    /// or `None` when there is no such issue.
    pub(crate) fn update_issue<R>(
        &mut self,
        full_name: &str,
        number: u64,
        change: impl FnOnce(&mut Issue) -> R,
    ) -> Option<R> {
        let tick = self.tick();
        let issue = self.issue_mut(full_name, number)?;
        let result = change(issue);
        issue.updated_at = tick;
        Some(result)
    }

    /// Closes (`open` false) or reopens an issue or pull request as its author; GitHub sends
    /// `closed` or `reopened`.
    pub(crate) fn set_open(&mut self, full_name: &str, number: u64, open: bool) {
        let Some(author) = self.update_issue(full_name, number, |issue| {
            issue.open = open;
            issue.author.clone()
        }) else {
            return;
        };
        let action = if open { "reopened" } else { "closed" };
        self.emit_change(full_name, number, action, &author, Vec::new());
    }

    /// Retitles a pull request as its author; GitHub sends `pull_request` `edited`.
    pub fn retitle_pull_request(&mut self, full_name: &str, number: u64, title: &str) {
        let Some(author) = self.update_issue(full_name, number, |issue| {
            issue.title = title.to_string();
            issue.author.clone()
        }) else {
            return;
        };
        self.emit_pull_request(full_name, number, "edited", &author, None);
    }

    /// Turns a pull request into a draft (`converted_to_draft`) or marks it ready for review
    /// (`ready_for_review`), as its author.
    pub fn set_pull_request_draft(&mut self, full_name: &str, number: u64, draft: bool) {
        let tick = self.tick();
        let Some(issue) = self.issue_mut(full_name, number) else {
            return;
        };
        let Some(pull) = issue.pull.as_mut() else {
            return;
        };
        if pull.draft == draft {
            return;
        }
        pull.draft = draft;
        issue.updated_at = tick;
        let author = issue.author.clone();
        let action = if draft {
            "converted_to_draft"
        } else {
            "ready_for_review"
        };
        self.emit_pull_request(full_name, number, action, &author, None);
    }

    /// `sender` edits the description of an issue or pull request; GitHub sends `edited`.
    pub fn edit_body(&mut self, full_name: &str, number: u64, body: &str, sender: &str) {
        let edited = self.update_issue(full_name, number, |issue| {
            issue.body = body.to_string();
        });
        if edited.is_some() {
            self.emit_change(full_name, number, "edited", sender, Vec::new());
        }
    }

    /// `sender` adds `label` (creating it in the repository if needed); GitHub sends `labeled`.
    pub fn label_as(&mut self, full_name: &str, number: u64, label: &str, sender: &str) {
        if !self
            .repo(full_name)
            .is_some_and(|r| r.labels.contains_key(label))
        {
            self.add_label(full_name, label);
        }
        let tick = self.tick();
        let Some(issue) = self.issue_mut(full_name, number) else {
            return;
        };
        if issue.labels.iter().any(|l| l == label) {
            return;
        }
        issue.labels.push(label.to_string());
        issue.updated_at = tick;
        self.emit_labeled(full_name, number, label, sender);
    }

    /// `sender` removes `label`; GitHub sends `unlabeled`.
    pub fn unlabel_as(&mut self, full_name: &str, number: u64, label: &str, sender: &str) {
        let tick = self.tick();
        let Some(issue) = self.issue_mut(full_name, number) else {
            return;
        };
        let before = issue.labels.len();
        issue.labels.retain(|l| l != label);
        if issue.labels.len() == before {
            return;
        }
        issue.updated_at = tick;
        self.emit_unlabeled(full_name, number, label, sender);
    }

    /// Reopens an issue or pull request as its author; GitHub sends `reopened`.
    pub fn reopen(&mut self, full_name: &str, number: u64) {
        self.set_open(full_name, number, true);
    }

    /// Whether GitHub finds the pull request mergeable (`None`: still computing).
    pub fn set_mergeable(&mut self, full_name: &str, number: u64, mergeable: Option<bool>) {
        if let Some(pull) = self
            .issue_mut(full_name, number)
            .and_then(|i| i.pull.as_mut())
        {
            pull.mergeable = mergeable;
        }
    }
}
