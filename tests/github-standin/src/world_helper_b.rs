//! What a pull request's author does besides pushing and commenting (the `wip`, `size` and
//! `welcome` plugins react to it): retitling it, and turning it into a draft or back.

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
}
