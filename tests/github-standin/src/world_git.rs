//! What people do to a repository through git rather than the REST API: push commits to a
//! branch (moving the head of every pull request from it) and open pull requests from a branch.
//! The driver API (`/_standin/push`, `/_standin/pulls`) and the world file use these.

use crate::world::{ChangedFile, Commit, PullRequest, World, changed_files, sha_of, tree_of};
use std::collections::BTreeMap;

/// Why a git-side change could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    #[error("no repository {0:?} in the world")]
    NoRepo(String),
    #[error("no branch {branch:?} in {repo}")]
    NoBranch { repo: String, branch: String },
    #[error("the head branch {0:?} is the base branch")]
    HeadIsBase(String),
    #[error("No commits between {base} and {head}")]
    NoCommits { base: String, head: String },
    #[error("A pull request already exists for {owner}:{head} (#{number}).")]
    AlreadyOpen {
        owner: String,
        head: String,
        number: u64,
    },
}

/// A pull request to open with one new commit on its head branch.
#[derive(Clone, Debug, Default)]
pub struct NewPullRequest {
    /// `owner/name`.
    pub repo: String,
    pub author: String,
    /// The head branch; created from the base when it does not exist.
    pub head: String,
    /// The branch to merge into; the repository's default branch when `None`.
    pub base: Option<String>,
    pub title: String,
    pub body: String,
    /// What the head commit writes: path and content.
    pub files: Vec<(String, String)>,
    pub draft: bool,
    /// Labels it carries when opened (created in the repository when missing).
    pub labels: Vec<String>,
}

impl World {
    /// Adds a commit by `pusher` on `branch` writing `files`, starting a new branch from
    /// `start_from` (default: the default branch), and sends `push`. Returns the new SHA, or
    /// `None` without the repository.
    pub(crate) fn commit_on(
        &mut self,
        full_name: &str,
        branch: &str,
        start_from: Option<&str>,
        pusher: &str,
        message: &str,
        files: &[(&str, &str)],
    ) -> Option<String> {
        let tick = self.tick();
        let repo = self.repos.get_mut(full_name)?;
        let start = start_from.unwrap_or(&repo.default_branch).to_string();
        let parent = repo
            .branches
            .get(branch)
            .or_else(|| repo.branches.get(&start))
            .cloned()
            .unwrap_or_default();
        let sha = sha_of(&format!("{full_name} {branch} {message} {tick} {parent}"));
        repo.commits.insert(
            sha.clone(),
            Commit {
                sha: sha.clone(),
                message: message.into(),
                parents: vec![parent.clone()],
            },
        );
        repo.branches.insert(branch.to_string(), sha.clone());
        let start_files = repo.files.get(&start).cloned().unwrap_or_default();
        let tree = repo.files.entry(branch.to_string()).or_insert(start_files);
        for (path, content) in files {
            tree.insert(path.to_string(), content.to_string());
        }
        let tree_sha = tree_of(tree);
        repo.trees.insert(sha.clone(), tree_sha);
        let changed: Vec<&str> = files.iter().map(|(path, _)| *path).collect();
        self.emit_push(full_name, branch, &parent, &sha, message, &changed, pusher);
        Some(sha)
    }

    /// Pushes a commit by `pusher` to `branch` (created from the default branch when new). Every
    /// open pull request from that branch moves to the new head and GitHub sends its
    /// `synchronize`, sent by the pusher. Returns the new SHA.
    pub fn push_as(
        &mut self,
        full_name: &str,
        branch: &str,
        pusher: &str,
        message: &str,
        files: &[(&str, &str)],
    ) -> Result<String, GitError> {
        if self.repo(full_name).is_none() {
            return Err(GitError::NoRepo(full_name.to_string()));
        }
        self.add_user(pusher);
        let pulls: Vec<(u64, String)> = self
            .repo(full_name)
            .into_iter()
            .flat_map(|repo| repo.issues.values())
            .filter(|issue| issue.open)
            .filter_map(|issue| {
                let pull = issue.pull.as_ref()?;
                (pull.head_ref == branch).then(|| (issue.number, pull.head_sha.clone()))
            })
            .collect();
        let sha = self
            .commit_on(full_name, branch, None, pusher, message, files)
            .ok_or_else(|| GitError::NoRepo(full_name.to_string()))?;
        for (number, before) in pulls {
            self.move_head(full_name, number, &sha, files);
            self.emit_pull_request(full_name, number, "synchronize", pusher, Some(&before));
        }
        Ok(sha)
    }

    /// Points pull request `number` at `sha`, adding the paths the push wrote to its files.
    pub(crate) fn move_head(
        &mut self,
        full_name: &str,
        number: u64,
        sha: &str,
        files: &[(&str, &str)],
    ) {
        let tick = self.tick();
        let Some(repo) = self.repos.get_mut(full_name) else {
            return;
        };
        let Some(issue) = repo.issues.get_mut(&number) else {
            return;
        };
        let Some(pull) = issue.pull.as_mut() else {
            return;
        };
        let base_files = repo.files.get(&pull.base_ref);
        pull.head_sha = sha.to_string();
        for (path, content) in files {
            let status = if base_files.is_some_and(|f| f.contains_key(*path)) {
                "modified"
            } else {
                "added"
            };
            match pull.files.iter_mut().find(|f| f.filename == *path) {
                Some(file) => file.additions = content.lines().count() as u64,
                None => pull.files.push(ChangedFile {
                    filename: path.to_string(),
                    status: status.into(),
                    additions: content.lines().count() as u64,
                    deletions: 0,
                }),
            }
        }
        issue.updated_at = tick;
    }

    /// Opens a pull request as `spec.author`: one commit writing `spec.files` on the head branch
    /// (created from the base when new), then the PR, then GitHub's `pull_request` `opened`.
    /// Returns its number and head SHA.
    pub fn open_pull_request_with(
        &mut self,
        spec: &NewPullRequest,
    ) -> Result<(u64, String), GitError> {
        let base = self.base_of(&spec.repo, spec.base.as_deref())?;
        self.check_can_open(&spec.repo, &spec.head, &base)?;
        self.add_user(&spec.author);
        let files: Vec<(&str, &str)> = spec
            .files
            .iter()
            .map(|(p, c)| (p.as_str(), c.as_str()))
            .collect();
        let head_sha = self
            .commit_on(
                &spec.repo,
                &spec.head,
                Some(&base),
                &spec.author,
                &spec.title,
                &files,
            )
            .ok_or_else(|| GitError::NoRepo(spec.repo.clone()))?;
        let number = self.insert_pull(spec, &base, Some(changed_files(&files)))?;
        Ok((number, head_sha))
    }

    /// Opens a pull request from an existing branch (GitHub's `POST /repos/{o}/{r}/pulls`); its
    /// files are what differs between the head's and the base's trees.
    pub(crate) fn open_pull_request_from_branch(
        &mut self,
        spec: &NewPullRequest,
    ) -> Result<u64, GitError> {
        let base = self.base_of(&spec.repo, spec.base.as_deref())?;
        self.check_can_open(&spec.repo, &spec.head, &base)?;
        let repo = self
            .repo(&spec.repo)
            .ok_or_else(|| GitError::NoRepo(spec.repo.clone()))?;
        let (Some(head_sha), Some(base_sha)) =
            (repo.branches.get(&spec.head), repo.branches.get(&base))
        else {
            return Err(GitError::NoBranch {
                repo: spec.repo.clone(),
                branch: spec.head.clone(),
            });
        };
        if head_sha == base_sha {
            return Err(GitError::NoCommits {
                base,
                head: spec.head.clone(),
            });
        }
        self.add_user(&spec.author);
        self.insert_pull(spec, &base, None)
    }

    /// The base branch `requested` names (default: the repository's default branch), which
    /// must exist.
    fn base_of(&self, full_name: &str, requested: Option<&str>) -> Result<String, GitError> {
        let repo = self
            .repo(full_name)
            .ok_or_else(|| GitError::NoRepo(full_name.to_string()))?;
        let base = requested.unwrap_or(&repo.default_branch).to_string();
        if !repo.branches.contains_key(&base) {
            return Err(GitError::NoBranch {
                repo: full_name.to_string(),
                branch: base,
            });
        }
        Ok(base)
    }

    /// GitHub refuses a PR from a branch into itself, and a second open PR for the same head
    /// and base.
    fn check_can_open(&self, full_name: &str, head: &str, base: &str) -> Result<(), GitError> {
        if head == base {
            return Err(GitError::HeadIsBase(head.to_string()));
        }
        let repo = self
            .repo(full_name)
            .ok_or_else(|| GitError::NoRepo(full_name.to_string()))?;
        if let Some(open) = repo.issues.values().find(|issue| {
            issue.open
                && issue
                    .pull
                    .as_ref()
                    .is_some_and(|p| p.head_ref == head && p.base_ref == base)
        }) {
            return Err(GitError::AlreadyOpen {
                owner: repo.owner.clone(),
                head: head.to_string(),
                number: open.number,
            });
        }
        Ok(())
    }

    /// Records the pull request `spec` describes from its head branch into `base` (its files
    /// given, or the difference of the two trees) and sends `opened`.
    fn insert_pull(
        &mut self,
        spec: &NewPullRequest,
        base: &str,
        files: Option<Vec<ChangedFile>>,
    ) -> Result<u64, GitError> {
        let repo = self
            .repo(&spec.repo)
            .ok_or_else(|| GitError::NoRepo(spec.repo.clone()))?;
        let branch_sha = |name: &str| repo.branches.get(name).cloned().unwrap_or_default();
        let files = files.unwrap_or_else(|| {
            let empty = BTreeMap::new();
            tree_difference(
                repo.files.get(base).unwrap_or(&empty),
                repo.files.get(&spec.head).unwrap_or(&empty),
            )
        });
        let pull = PullRequest {
            head_ref: spec.head.clone(),
            head_sha: branch_sha(&spec.head),
            base_ref: base.to_string(),
            base_sha: branch_sha(base),
            draft: spec.draft,
            mergeable: Some(true),
            merged: false,
            merge_commit_sha: None,
            files,
        };
        for label in &spec.labels {
            if !self
                .repo(&spec.repo)
                .is_some_and(|r| r.labels.contains_key(label))
            {
                self.add_label(&spec.repo, label);
            }
        }
        let number = self.insert_issue(&spec.repo, &spec.author, &spec.title, Some(pull));
        if let Some(issue) = self.issue_mut(&spec.repo, number) {
            issue.body = spec.body.clone();
            issue.labels = spec.labels.clone();
        }
        self.emit_pull_request(&spec.repo, number, "opened", &spec.author, None);
        Ok(number)
    }
}

/// The files that differ from `base` to `head`, as a pull request lists them.
fn tree_difference(
    base: &BTreeMap<String, String>,
    head: &BTreeMap<String, String>,
) -> Vec<ChangedFile> {
    let lines = |text: &str| text.lines().count() as u64;
    let mut changed: Vec<ChangedFile> = head
        .iter()
        .filter(|(path, content)| base.get(*path) != Some(content))
        .map(|(path, content)| {
            let before = base.get(path);
            ChangedFile {
                filename: path.clone(),
                status: if before.is_some() {
                    "modified"
                } else {
                    "added"
                }
                .into(),
                additions: lines(content),
                deletions: before.map_or(0, |b| lines(b)),
            }
        })
        .collect();
    changed.extend(
        base.iter()
            .filter(|(path, _)| !head.contains_key(*path))
            .map(|(path, content)| ChangedFile {
                filename: path.clone(),
                status: "removed".into(),
                additions: 0,
                deletions: lines(content),
            }),
    );
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Delivery;

    fn spec(head: &str) -> NewPullRequest {
        NewPullRequest {
            repo: "org/repo".into(),
            author: "alice".into(),
            head: head.into(),
            title: "Add docs".into(),
            files: vec![("docs/a.md".into(), "hi\n".into())],
            ..NewPullRequest::default()
        }
    }

    #[test]
    fn a_push_to_a_pull_requests_branch_moves_its_head_and_sends_synchronize() {
        let mut world = World::default();
        world.add_repo("org/repo");
        let (number, first) = world.open_pull_request_with(&spec("feature")).unwrap();
        world.outbox.clear();
        let second = world
            .push_as("org/repo", "feature", "bob", "More", &[("b.md", "b\n")])
            .unwrap();
        let pull = world.pull("org/repo", number).unwrap().clone();
        assert_eq!(pull.head_sha, second);
        let files: Vec<&str> = pull.files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(files, ["docs/a.md", "b.md"]);
        let events: Vec<String> = world.outbox.iter().map(Delivery::kind).collect();
        assert_eq!(events, ["push:-", "pull_request:synchronize"]);
        let synchronize = world.outbox[1].payload();
        assert_eq!(synchronize["before"], first);
        assert_eq!(synchronize["after"], second);
        assert_eq!(synchronize["sender"]["login"], "bob");
    }

    #[test]
    fn opening_is_refused_as_github_refuses_it() {
        let mut world = World::default();
        world.add_repo("org/repo");
        let missing = NewPullRequest {
            repo: "org/nope".into(),
            ..spec("feature")
        };
        assert_eq!(
            world.open_pull_request_with(&missing),
            Err(GitError::NoRepo("org/nope".into()))
        );
        let into_itself = spec("main");
        assert!(matches!(
            world.open_pull_request_with(&into_itself),
            Err(GitError::HeadIsBase(_))
        ));
        let (number, _) = world.open_pull_request_with(&spec("feature")).unwrap();
        assert_eq!(
            world.open_pull_request_with(&spec("feature")),
            Err(GitError::AlreadyOpen {
                owner: "org".into(),
                head: "feature".into(),
                number
            })
        );
        let unknown_base = NewPullRequest {
            base: Some("release".into()),
            ..spec("other")
        };
        assert!(matches!(
            world.open_pull_request_with(&unknown_base),
            Err(GitError::NoBranch { .. })
        ));
    }

    #[test]
    fn a_pull_request_from_an_existing_branch_lists_what_differs() {
        let mut world = World::default();
        world.add_repo("org/repo");
        world.push("org/repo", "main", "Seed", &[("a", "1\n"), ("b", "2\n")]);
        let pusher = world.bot.clone();
        world.commit_on(
            "org/repo",
            "topic",
            None,
            &pusher,
            "Change",
            &[("a", "one\n"), ("c", "3\n")],
        );
        let number = world
            .open_pull_request_from_branch(&NewPullRequest {
                head: "topic".into(),
                files: vec![],
                ..spec("topic")
            })
            .unwrap();
        let pull = world.pull("org/repo", number).unwrap().clone();
        let files: Vec<(&str, &str)> = pull
            .files
            .iter()
            .map(|f| (f.filename.as_str(), f.status.as_str()))
            .collect();
        assert_eq!(files, [("a", "modified"), ("c", "added")]);
        assert_eq!(
            world.open_pull_request_from_branch(&spec("main")),
            Err(GitError::HeadIsBase("main".into()))
        );
    }
}
