//! The state the stand-in serves: accounts, projects with their branches and labels, and changes
//! with their patch sets, messages and votes. Tests seed it with the helpers here (as a person
//! would act through Gerrit's UI or `git push`) and read it back to assert on outcomes.

use std::collections::BTreeMap;

/// 2026-01-01T00:00:00Z, where the logical clock starts.
const EPOCH: u64 = 1_767_225_600;

/// The first account id Gerrit hands out; the bot gets it.
const FIRST_ACCOUNT: u64 = 1_000_000;

pub(crate) use crate::model::Refusal;
pub use crate::model::{
    Account, Call, Change, ChangeStatus, Comment, Fault, FileInfo, LabelRange, Message, Person,
    Project, Revision,
};

pub struct World {
    pub accounts: BTreeMap<u64, Account>,
    /// The bot's account id.
    pub bot: u64,
    pub projects: BTreeMap<String, Project>,
    /// By `_number`.
    pub changes: BTreeMap<u64, Change>,
    pub calls: Vec<Call>,
    pub faults: Vec<Fault>,
    /// A logical clock in Unix seconds: each change to the world advances it by a second, so
    /// timestamps are ordered and tests are repeatable.
    clock: u64,
    next_message: u64,
}

impl World {
    /// A world whose bot account, `bot_username`, has id 1000000.
    pub fn new(bot_username: &str) -> Self {
        let mut world = World {
            accounts: BTreeMap::new(),
            bot: FIRST_ACCOUNT,
            projects: BTreeMap::new(),
            changes: BTreeMap::new(),
            calls: Vec::new(),
            faults: Vec::new(),
            clock: EPOCH,
            next_message: 0,
        };
        world.add_account(bot_username);
        world
    }

    /// The logical time, in Unix seconds.
    pub fn now(&self) -> u64 {
        self.clock
    }

    /// Moves the clock forward, as time passing between events would.
    pub fn advance(&mut self, seconds: u64) {
        self.clock += seconds;
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Adds an account (name = username, email `<username>@example.com`) unless one exists;
    /// returns its id.
    pub fn add_account(&mut self, username: &str) -> u64 {
        self.add_account_with(username, username, &format!("{username}@example.com"))
    }

    /// Adds an account with a display name and email unless `username` exists; returns its id.
    pub fn add_account_with(&mut self, username: &str, name: &str, email: &str) -> u64 {
        if let Some(id) = self.account_id(username) {
            return id;
        }
        let id = self
            .accounts
            .keys()
            .next_back()
            .map_or(FIRST_ACCOUNT, |last| last + 1);
        self.accounts.insert(
            id,
            Account {
                account_id: id,
                name: name.to_string(),
                username: username.to_string(),
                email: email.to_string(),
            },
        );
        id
    }

    pub fn account_id(&self, username: &str) -> Option<u64> {
        self.accounts
            .values()
            .find(|a| a.username == username)
            .map(|a| a.account_id)
    }

    fn username(&self, id: u64) -> String {
        self.accounts
            .get(&id)
            .map(|a| a.username.clone())
            .unwrap_or_default()
    }

    /// Adds a project with branch `master` and the labels `Code-Review` (-2..+2) and
    /// `Verified` (-1..+1), unless it exists.
    pub fn add_project(&mut self, name: &str) -> &mut Self {
        if !self.projects.contains_key(name) {
            let mut project = Project::default();
            project
                .branches
                .insert("master".to_string(), sha_of(&format!("{name}@master")));
            for (label, min, max) in [("Code-Review", -2, 2), ("Verified", -1, 1)] {
                project
                    .labels
                    .insert(label.to_string(), LabelRange { min, max });
            }
            self.projects.insert(name.to_string(), project);
        }
        self
    }

    /// Adds `branch` to `project` (created if missing) at `master`'s revision, unless it exists.
    pub fn add_branch(&mut self, project: &str, branch: &str) -> &mut Self {
        self.add_project(project);
        if let Some(p) = self.projects.get_mut(project) {
            let tip = p
                .branches
                .get("master")
                .cloned()
                .unwrap_or_else(|| sha_of(&format!("{project}@{branch}")));
            p.branches.entry(branch.to_string()).or_insert(tip);
        }
        self
    }

    /// Lets `label` take votes from `min` to `max` in `project` (created if missing).
    pub fn add_label(&mut self, project: &str, label: &str, min: i32, max: i32) -> &mut Self {
        self.add_project(project);
        if let Some(p) = self.projects.get_mut(project) {
            p.labels.insert(label.to_string(), LabelRange { min, max });
        }
        self
    }

    pub fn change(&self, number: u64) -> Option<&Change> {
        self.changes.get(&number)
    }

    pub fn change_mut(&mut self, number: u64) -> Option<&mut Change> {
        self.changes.get_mut(&number)
    }

    /// `owner` uploads a change to `project`'s `branch` (both created if missing) with patch
    /// set 1 touching `files`; returns the change's number.
    pub fn create_change(
        &mut self,
        project: &str,
        branch: &str,
        owner: &str,
        files: &[(&str, FileInfo)],
    ) -> u64 {
        self.add_branch(project, branch);
        let owner = self.add_account(owner);
        let number = self.changes.keys().next_back().map_or(1, |last| last + 1);
        let now = self.tick();
        let change_id = format!("I{}", sha_of(&format!("{project}~{branch}~{number}")));
        let change = Change {
            id: format!("{}~{}~{change_id}", url_encode(project), url_encode(branch)),
            project: project.to_string(),
            branch: branch.to_string(),
            change_id,
            number,
            subject: format!("Change {number}"),
            status: ChangeStatus::New,
            created: now,
            updated: now,
            submitted: None,
            submitter: None,
            work_in_progress: false,
            owner,
            revisions: BTreeMap::new(),
            current_revision: String::new(),
            messages: Vec::new(),
            labels: BTreeMap::new(),
            comments: Vec::new(),
        };
        self.changes.insert(number, change);
        self.upload(number, files, now);
        number
    }

    /// The owner uploads a new patch set touching `files`; returns its SHA (empty when there is
    /// no such change). Votes do not carry over to it.
    pub fn new_patchset(&mut self, number: u64, files: &[(&str, FileInfo)]) -> String {
        if !self.changes.contains_key(&number) {
            return String::new();
        }
        let now = self.tick();
        self.upload(number, files, now)
    }

    fn upload(&mut self, number: u64, files: &[(&str, FileInfo)], now: u64) -> String {
        let Some(change) = self.changes.get(&number) else {
            return String::new();
        };
        let owner = change.owner;
        let patch_set = change.revisions.len() as u32 + 1;
        let parent = self
            .projects
            .get(&change.project)
            .and_then(|p| p.branches.get(&change.branch))
            .cloned()
            .unwrap_or_default();
        let sha = sha_of(&format!("{}/{number}/{patch_set}", change.id));
        let author = self
            .accounts
            .get(&owner)
            .map(|a| Person {
                name: a.name.clone(),
                email: a.email.clone(),
            })
            .unwrap_or(Person {
                name: String::new(),
                email: String::new(),
            });
        let revision = Revision {
            number: patch_set,
            git_ref: format!("refs/changes/{:02}/{number}/{patch_set}", number % 100),
            created: now,
            author,
            uploader: owner,
            parent,
            files: files
                .iter()
                .filter(|(path, _)| *path != "/COMMIT_MSG")
                .map(|(path, info)| (path.to_string(), info.clone()))
                .collect(),
        };
        let message = self.message(
            owner,
            now,
            &format!("Uploaded patch set {patch_set}."),
            patch_set,
            Some("autogenerated:gerrit:newPatchSet"),
        );
        if let Some(change) = self.changes.get_mut(&number) {
            change.revisions.insert(sha.clone(), revision);
            change.current_revision = sha.clone();
            change.labels.clear();
            change.messages.push(message);
            change.updated = now;
        }
        sha
    }

    fn message(
        &mut self,
        author: u64,
        date: u64,
        text: &str,
        revision_number: u32,
        tag: Option<&str>,
    ) -> Message {
        self.next_message += 1;
        Message {
            id: sha_of(&format!("message {}", self.next_message)),
            author,
            date,
            message: text.to_string(),
            revision_number,
            tag: tag.map(str::to_string),
        }
    }

    /// `author` (created if missing) comments on the current patch set, as a review with no
    /// votes: the message reads `Patch Set N:\n\n<message>`.
    pub fn comment(&mut self, number: u64, author: &str, message: &str) {
        let author = self.add_account(author);
        let _ = self.review(number, "current", author, message, &BTreeMap::new(), None);
    }

    /// `author` votes `value` on `label` on the current patch set, with no message text.
    pub fn vote(&mut self, number: u64, author: &str, label: &str, value: i32) {
        let author = self.add_account(author);
        let labels = BTreeMap::from([(label.to_string(), value)]);
        let _ = self.review(number, "current", author, "", &labels, None);
    }

    /// `author` leaves a patch-set-level comment on the current patch set, as Gerrit's UI does:
    /// a `/PATCHSET_LEVEL` comment and a `Patch Set N:\n\n(1 comment)` change message.
    pub fn patchset_comment(&mut self, number: u64, author: &str, message: &str) {
        let author = self.add_account(author);
        let Some(patch_set) = self
            .changes
            .get(&number)
            .and_then(|c| c.current())
            .map(|r| r.number)
        else {
            return;
        };
        let now = self.tick();
        let text = format!("Patch Set {patch_set}:\n\n(1 comment)");
        let entry = self.message(author, now, &text, patch_set, None);
        if let Some(change) = self.changes.get_mut(&number) {
            change.comments.push(Comment {
                id: entry.id.clone(),
                author,
                path: "/PATCHSET_LEVEL".to_string(),
                patch_set,
                message: message.to_string(),
                updated: now,
            });
            change.messages.push(entry);
            change.updated = now;
        }
    }

    /// Posts a review as Gerrit's `SetReview` does: `revision` is a SHA (or a prefix of one), a
    /// patch set number or `current`; votes are checked against the project's labels; a message
    /// `Patch Set N: <vote changes>\n\n<message>` is added when anything was said or changed.
    pub(crate) fn review(
        &mut self,
        number: u64,
        revision: &str,
        author: u64,
        message: &str,
        labels: &BTreeMap<String, i32>,
        tag: Option<&str>,
    ) -> Result<(), Refusal> {
        let change = self
            .changes
            .get(&number)
            .ok_or_else(|| Refusal::NotFound(number.to_string()))?;
        let sha = resolve_revision(change, revision)
            .ok_or_else(|| Refusal::NotFound(revision.to_string()))?;
        let patch_set = change.revisions.get(&sha).map_or(0, |r| r.number);
        let is_current = sha == change.current_revision;
        let configured = self
            .projects
            .get(&change.project)
            .map(|p| p.labels.clone())
            .unwrap_or_default();
        for (label, value) in labels {
            let range = configured.get(label).ok_or_else(|| {
                Refusal::BadRequest(format!("label \"{label}\" is not a configured label"))
            })?;
            if *value < range.min || *value > range.max {
                return Err(Refusal::BadRequest(format!(
                    "label \"{label}\": {value} is not a valid value"
                )));
            }
        }
        let mut changed_votes = Vec::new();
        for (label, value) in labels {
            // A vote on an outdated patch set stays there: it is not copied to the current one.
            let previous = change
                .labels
                .get(label)
                .and_then(|votes| votes.get(&author))
                .filter(|_| is_current)
                .copied()
                .unwrap_or(0);
            if previous != *value {
                changed_votes.push(match value {
                    0 => format!("-{label}"),
                    v if *v > 0 => format!("{label}+{v}"),
                    v => format!("{label}{v}"),
                });
            }
        }
        let text = message.trim();
        if changed_votes.is_empty() && text.is_empty() {
            return Ok(());
        }
        let now = self.tick();
        let mut body = format!("Patch Set {patch_set}:");
        for vote in &changed_votes {
            body.push(' ');
            body.push_str(vote);
        }
        if !text.is_empty() {
            body.push_str("\n\n");
            body.push_str(text);
        }
        let entry = self.message(author, now, &body, patch_set, tag);
        if let Some(change) = self.changes.get_mut(&number) {
            if is_current {
                for (label, value) in labels {
                    let votes = change.labels.entry(label.clone()).or_default();
                    if *value == 0 {
                        votes.remove(&author);
                    } else {
                        votes.insert(author, *value);
                    }
                }
            }
            change.messages.push(entry);
            change.updated = now;
        }
        Ok(())
    }

    /// Submits the change as its owner: MERGED, `submitted` now, and the branch moves to the
    /// current revision.
    pub fn merge(&mut self, number: u64) {
        if let Some(owner) = self.changes.get(&number).map(|c| c.owner) {
            let _ = self.submit(number, owner);
        }
    }

    /// Submits the change as `submitter`; refused when it is not open.
    pub(crate) fn submit(&mut self, number: u64, submitter: u64) -> Result<(), Refusal> {
        let change = self
            .changes
            .get(&number)
            .ok_or_else(|| Refusal::NotFound(number.to_string()))?;
        if change.status != ChangeStatus::New {
            return Err(Refusal::Conflict(format!(
                "change is {}",
                change.status.as_str().to_lowercase()
            )));
        }
        let (project, branch, sha) = (
            change.project.clone(),
            change.branch.clone(),
            change.current_revision.clone(),
        );
        let patch_set = change.current().map_or(0, |r| r.number);
        let now = self.tick();
        let name = self
            .accounts
            .get(&submitter)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        let text = format!("Change has been successfully merged by {name}");
        let entry = self.message(
            submitter,
            now,
            &text,
            patch_set,
            Some("autogenerated:gerrit:merged"),
        );
        if let Some(p) = self.projects.get_mut(&project) {
            p.branches.insert(branch, sha);
        }
        if let Some(change) = self.changes.get_mut(&number) {
            change.status = ChangeStatus::Merged;
            change.submitted = Some(now);
            change.submitter = Some(submitter);
            change.updated = now;
            change.messages.push(entry);
        }
        Ok(())
    }

    /// The owner abandons the change.
    pub fn abandon(&mut self, number: u64) {
        self.owner_action(number, "Abandoned", "autogenerated:gerrit:abandon", |c| {
            c.status = ChangeStatus::Abandoned;
        });
    }

    /// The owner marks the change work in progress, or ready for review (the message the
    /// adapter triggers on: `Set Ready For Review`).
    pub fn set_wip(&mut self, number: u64, wip: bool) {
        let (text, tag) = if wip {
            (
                "Set Work In Progress",
                "autogenerated:gerrit:setWorkInProgress",
            )
        } else {
            (
                "Set Ready For Review",
                "autogenerated:gerrit:setReadyForReview",
            )
        };
        self.owner_action(number, text, tag, |c| c.work_in_progress = wip);
    }

    fn owner_action(&mut self, number: u64, text: &str, tag: &str, act: impl FnOnce(&mut Change)) {
        let Some((owner, patch_set)) = self
            .changes
            .get(&number)
            .map(|c| (c.owner, c.current().map_or(0, |r| r.number)))
        else {
            return;
        };
        let now = self.tick();
        let entry = self.message(owner, now, text, patch_set, Some(tag));
        if let Some(change) = self.changes.get_mut(&number) {
            act(change);
            change.messages.push(entry);
            change.updated = now;
        }
    }

    /// The current votes on `label`, by username.
    pub fn votes(&self, number: u64, label: &str) -> BTreeMap<String, i32> {
        self.changes
            .get(&number)
            .and_then(|c| c.labels.get(label))
            .map(|votes| {
                votes
                    .iter()
                    .map(|(id, value)| (self.username(*id), *value))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The change's messages in order, as (author username, text as stored).
    pub fn messages(&self, number: u64) -> Vec<(String, String)> {
        self.changes
            .get(&number)
            .map(|c| {
                c.messages
                    .iter()
                    .map(|m| (self.username(m.author), m.message.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The change that `id` names: its number, `<project>~<number>`, the full
    /// `<project>~<branch>~<Change-Id>` (encoded or not), or a bare Change-Id.
    pub fn find_change(&self, id: &str) -> Option<u64> {
        if let Ok(number) = id.parse::<u64>() {
            return self.changes.contains_key(&number).then_some(number);
        }
        let decoded = percent_decode(id);
        self.changes
            .values()
            .find(|c| {
                [id, decoded.as_str()].iter().any(|candidate| {
                    *candidate == c.id
                        || *candidate == format!("{}~{}~{}", c.project, c.branch, c.change_id)
                        || *candidate == format!("{}~{}", c.project, c.number)
                        || *candidate == format!("{}~{}", url_encode(&c.project), c.number)
                        || *candidate == c.change_id
                })
            })
            .map(|c| c.number)
    }

    /// Answers the next `times` calls of `method` whose path contains `path` with `status`.
    pub fn fail_next(&mut self, method: &str, path: &str, status: u16, times: usize) {
        self.faults.push(Fault {
            method: method.to_string(),
            path: path.to_string(),
            status,
            times,
        });
    }

    pub(crate) fn take_fault(&mut self, method: &str, path: &str) -> Option<u16> {
        let fault = self.faults.iter_mut().find(|f| {
            f.times > 0 && f.method.eq_ignore_ascii_case(method) && path.contains(&f.path)
        })?;
        fault.times -= 1;
        Some(fault.status)
    }
}

/// The SHA that `revision` names on `change`.
pub(crate) fn resolve_revision(change: &Change, revision: &str) -> Option<String> {
    if revision == "current" {
        return Some(change.current_revision.clone());
    }
    if let Ok(patch_set) = revision.parse::<u32>()
        && let Some(sha) = change.revision_sha(patch_set)
    {
        return Some(sha.to_string());
    }
    if revision.len() >= 4 {
        let mut matching = change
            .revisions
            .keys()
            .filter(|sha| sha.starts_with(revision));
        if let (Some(sha), None) = (matching.next(), matching.next()) {
            return Some(sha.clone());
        }
    }
    None
}

/// A deterministic 40-hex-digit SHA for `text`.
pub fn sha_of(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    hex::encode(digest)[..40].to_string()
}

/// Gerrit's timestamp for a Unix second: `2006-01-02 15:04:05.000000000`, UTC.
pub fn gerrit_time(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        .map(|at| at.strftime("%Y-%m-%d %H:%M:%S.000000000").to_string())
        .unwrap_or_default()
}

/// URL-encodes as Gerrit's `Url.encode` (Java's `URLEncoder`): `/` becomes `%2F`.
pub fn url_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Decodes `%XX` escapes, leaving malformed escapes as they are.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_gerrit_shaped() {
        assert_eq!(gerrit_time(EPOCH), "2026-01-01 00:00:00.000000000");
        assert_eq!(
            gerrit_time(EPOCH + 86_400 + 3661),
            "2026-01-02 01:01:01.000000000"
        );
    }

    #[test]
    fn escapes_round_trip() {
        assert_eq!(url_encode("platform/build"), "platform%2Fbuild");
        assert_eq!(percent_decode("platform%2Fbuild~x%"), "platform/build~x%");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
