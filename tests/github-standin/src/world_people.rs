//! What people do on GitHub besides pushing and commenting, each sending the webhook GitHub
//! sends: retitle a pull request or turn it into a draft and back, edit a description, add or
//! remove a label as someone, reopen, and GitHub working out mergeability.

use crate::world::World;

impl World {
    /// Retitles a pull request as its author; GitHub sends `pull_request` `edited`.
    pub fn retitle_pull_request(&mut self, full_name: &str, number: u64, title: &str) {
        let tick = self.tick();
        let Some(issue) = self.issue_mut(full_name, number) else {
            return;
        };
        issue.title = title.to_string();
        issue.updated_at = tick;
        let author = issue.author.clone();
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
        let tick = self.tick();
        let Some(issue) = self.issue_mut(full_name, number) else {
            return;
        };
        issue.body = body.to_string();
        issue.updated_at = tick;
        let is_pull = issue.pull.is_some();
        if is_pull {
            self.emit_pull_request(full_name, number, "edited", sender, None);
        } else {
            self.emit_issue(full_name, number, "edited", sender, None);
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
        let is_pull = issue.pull.is_some();
        if is_pull {
            self.emit_pull_request(full_name, number, "unlabeled", sender, None);
            let label = self.label_value(full_name, label);
            if let Some(last) = self.outbox.last_mut() {
                let mut payload = last.payload();
                payload["label"] = label;
                last.body = serde_json::to_vec(&payload).unwrap_or_default();
            }
        } else {
            self.emit_issue(full_name, number, "unlabeled", sender, Some(label));
        }
    }

    /// Reopens an issue or pull request as its author; GitHub sends `reopened`.
    pub fn reopen(&mut self, full_name: &str, number: u64) {
        let tick = self.tick();
        let Some(issue) = self.issue_mut(full_name, number) else {
            return;
        };
        issue.open = true;
        issue.updated_at = tick;
        let (author, is_pull) = (issue.author.clone(), issue.pull.is_some());
        if is_pull {
            self.emit_pull_request(full_name, number, "reopened", &author, None);
        } else {
            self.emit_issue(full_name, number, "reopened", &author, None);
        }
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

    fn label_value(&self, full_name: &str, name: &str) -> serde_json::Value {
        self.repo(full_name)
            .and_then(|repo| repo.labels.get(name))
            .map(|label| crate::shapes::label(&self.api_base, full_name, label))
            .unwrap_or(serde_json::Value::Null)
    }
}
