//! The Gerrit port over Gerrit's REST API: JSON behind Gerrit's `)]}'` guard, changes queried
//! newest first a page at a time (`q=project:... [branch filters]`, `n`, `start`, and the
//! options that bring the current revision, its commit and files, and the messages), until a
//! change older than the last sync. With credentials (`user:password`, HTTP basic auth) every
//! path is under `/a/`, as Gerrit wants; without, anonymous reads.

use jiff::Timestamp;
use prow_ports::gerrit::{
    Account, BranchFilter, Change, ChangeMessage, ChangeStatus, ChangedFile, GerritClient,
    GerritError, GerritFuture, Revision,
};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Gerrit's guard against JSON hijacking, before every JSON answer.
const GUARD: &str = ")]}'";

pub struct HttpGerrit {
    http: reqwest::Client,
    /// `user:password` (HTTP basic auth) or a cookie token (`Cookie: o=<token>`, upstream's
    /// `--cookiefile`), under `/a/`.
    credentials: Option<String>,
}

impl HttpGerrit {
    /// Credentials from upstream's `--cookiefile`: `user:password` for basic auth, else a
    /// cookie file whose last field is the token.
    pub fn from_file(path: &std::path::Path) -> Result<HttpGerrit, GerritError> {
        let text = std::fs::read_to_string(path).map_err(|e| GerritError::Transport {
            instance: String::new(),
            path: path.display().to_string(),
            reason: format!("reading the Gerrit credentials: {e}"),
        })?;
        HttpGerrit::new(Some(text.trim().to_string()))
    }

    pub fn new(credentials: Option<String>) -> Result<HttpGerrit, GerritError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| GerritError::Transport {
                instance: String::new(),
                path: String::new(),
                reason: e.to_string(),
            })?;
        Ok(HttpGerrit { http, credentials })
    }

    fn url(&self, instance: &str, path: &str) -> String {
        let prefix = if self.credentials.is_some() { "/a" } else { "" };
        format!("{}{prefix}/{path}", instance.trim_end_matches('/'))
    }

    fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.credentials {
            Some(credentials)
                if credentials.contains(':') && !credentials.contains(char::is_whitespace) =>
            {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
                request.header("authorization", format!("Basic {encoded}"))
            }
            Some(cookie_file) => {
                let token = cookie_file
                    .split_whitespace()
                    .next_back()
                    .unwrap_or_default();
                request.header("cookie", format!("o={token}"))
            }
            None => request,
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        instance: &str,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, GerritError> {
        let transport = |e: reqwest::Error| GerritError::Transport {
            instance: instance.to_string(),
            path: path.to_string(),
            reason: e.to_string(),
        };
        let response = self
            .authorize(request.header("accept", "application/json"))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(transport)?;
        let body = text.strip_prefix(GUARD).unwrap_or(&text).trim_start();
        if !(200..300).contains(&status) {
            return Err(GerritError::Api {
                instance: instance.to_string(),
                path: path.to_string(),
                status,
                message: body.trim().to_string(),
            });
        }
        serde_json::from_str(body).map_err(|e| GerritError::Decode {
            instance: instance.to_string(),
            path: path.to_string(),
            reason: e.to_string(),
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        instance: &str,
        path: &str,
    ) -> Result<T, GerritError> {
        let request = self.http.get(self.url(instance, path));
        self.send(instance, path, request).await
    }
}

/// Gerrit's time format: UTC, `2006-01-02 15:04:05.000000000`.
fn time(text: &str) -> Option<Timestamp> {
    let iso = format!("{}Z", text.trim().replacen(' ', "T", 1));
    iso.parse().ok()
}

/// A change's `status` as Gerrit writes it (`NEW`, `MERGED`, `ABANDONED`).
fn change_status(text: &str) -> ChangeStatus {
    match text {
        "MERGED" => ChangeStatus::Merged,
        "ABANDONED" => ChangeStatus::Abandoned,
        _ => ChangeStatus::New,
    }
}

use prow_ports::path_segment as encode;

#[derive(Deserialize)]
struct WireAccount {
    #[serde(default, rename = "_account_id")]
    account_id: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
}

#[derive(Deserialize)]
struct WireAuthor {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
struct WireCommit {
    #[serde(default)]
    author: Option<WireAuthor>,
}

#[derive(Deserialize, Default)]
struct WireFile {
    #[serde(default)]
    old_path: Option<String>,
}

#[derive(Deserialize)]
struct WireRevision {
    #[serde(rename = "_number")]
    number: u64,
    #[serde(default, rename = "ref")]
    git_ref: String,
    #[serde(default)]
    created: String,
    #[serde(default)]
    commit: Option<WireCommit>,
    #[serde(default)]
    files: BTreeMap<String, WireFile>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    author: Option<WireAccount>,
    #[serde(default)]
    date: String,
    #[serde(default)]
    message: String,
    #[serde(default, rename = "_revision_number")]
    revision_number: u64,
}

#[derive(Deserialize)]
struct WireChange {
    id: String,
    project: String,
    branch: String,
    #[serde(rename = "_number")]
    number: u64,
    status: String,
    updated: String,
    #[serde(default)]
    submitted: Option<String>,
    #[serde(default)]
    work_in_progress: bool,
    #[serde(default)]
    current_revision: Option<String>,
    #[serde(default)]
    revisions: BTreeMap<String, WireRevision>,
    #[serde(default)]
    messages: Vec<WireMessage>,
    #[serde(default, rename = "_more_changes")]
    more_changes: bool,
}

impl WireChange {
    /// The change as the port speaks of it; `None` for one without its current revision.
    fn into_change(mut self) -> Option<Change> {
        let sha = self.current_revision.clone()?;
        let revision = self.revisions.remove(&sha)?;
        let author = revision.commit.and_then(|c| c.author);
        Some(Change {
            id: self.id,
            project: self.project,
            branch: self.branch,
            number: self.number,
            status: change_status(&self.status),
            updated: time(&self.updated)?,
            submitted: self.submitted.as_deref().and_then(time),
            work_in_progress: self.work_in_progress,
            revision: Revision {
                sha,
                number: revision.number,
                git_ref: revision.git_ref,
                created: time(&revision.created)?,
                author_name: author.as_ref().map(|a| a.name.clone()).unwrap_or_default(),
                author_email: author.map(|a| a.email).unwrap_or_default(),
                files: revision
                    .files
                    .into_iter()
                    .filter(|(path, _)| path != "/COMMIT_MSG")
                    .map(|(path, file)| ChangedFile {
                        path,
                        old_path: file.old_path,
                    })
                    .collect(),
            },
            messages: self
                .messages
                .into_iter()
                .filter_map(|m| {
                    let author = m.author.unwrap_or(WireAccount {
                        account_id: 0,
                        name: String::new(),
                        username: String::new(),
                    });
                    Some(ChangeMessage {
                        author_id: author.account_id,
                        author: if author.username.is_empty() {
                            author.name
                        } else {
                            author.username
                        },
                        date: time(&m.date)?,
                        text: m.message,
                        revision_number: m.revision_number,
                    })
                })
                .collect(),
        })
    }
}

/// The query's terms for `project` within `filter` (upstream `queryStringsFromQueryFilter`).
pub fn query(project: &str, filter: &BranchFilter) -> String {
    let mut terms = Vec::new();
    if !filter.branches.is_empty() {
        let any: Vec<String> = filter
            .branches
            .iter()
            .map(|b| format!("branch:{b}"))
            .collect();
        terms.push(format!("({})", any.join(" OR ")));
    }
    if !filter.excluded_branches.is_empty() {
        let none: Vec<String> = filter
            .excluded_branches
            .iter()
            .map(|b| format!("-branch:{b}"))
            .collect();
        terms.push(format!("({})", none.join(" AND ")));
    }
    terms.push(format!("project:{project}"));
    terms.join(" ")
}

impl GerritClient for HttpGerrit {
    fn changes_since<'a>(
        &'a self,
        instance: &'a str,
        project: &'a str,
        filter: &'a BranchFilter,
        page: u32,
        since: Timestamp,
    ) -> GerritFuture<'a, Vec<Change>> {
        Box::pin(async move {
            let mut found = Vec::new();
            let mut start = 0usize;
            loop {
                let mut path = format!("changes/?q={}&n={page}", encode(&query(project, filter)));
                if start > 0 {
                    path.push_str(&format!("&start={start}"));
                }
                for option in [
                    "CURRENT_REVISION",
                    "CURRENT_COMMIT",
                    "CURRENT_FILES",
                    "MESSAGES",
                    "LABELS",
                ] {
                    path.push_str(&format!("&o={option}"));
                }
                let changes: Vec<WireChange> = self.get(instance, &path).await?;
                let count = changes.len();
                let more = changes.last().is_some_and(|c| c.more_changes);
                let mut older = false;
                for wire in changes {
                    match wire.into_change() {
                        Some(change) if change.updated > since => found.push(change),
                        Some(_) => older = true,
                        None => {}
                    }
                }
                if count == 0 || older || !more {
                    return Ok(found);
                }
                start += count;
            }
        })
    }

    fn branch_head<'a>(
        &'a self,
        instance: &'a str,
        project: &'a str,
        branch: &'a str,
    ) -> GerritFuture<'a, String> {
        Box::pin(async move {
            #[derive(Deserialize)]
            struct Branch {
                revision: String,
            }
            let path = format!("projects/{}/branches/{}", encode(project), encode(branch));
            let found: Branch = self.get(instance, &path).await?;
            Ok(found.revision)
        })
    }

    fn account<'a>(&'a self, instance: &'a str) -> GerritFuture<'a, Account> {
        Box::pin(async move {
            let found: WireAccount = self.get(instance, "accounts/self").await?;
            Ok(Account {
                id: found.account_id,
                username: found.username,
            })
        })
    }

    fn change_status<'a>(
        &'a self,
        instance: &'a str,
        change_id: &'a str,
    ) -> GerritFuture<'a, Option<ChangeStatus>> {
        Box::pin(async move {
            #[derive(Deserialize)]
            struct Status {
                status: String,
            }
            match self
                .get::<Status>(instance, &format!("changes/{change_id}"))
                .await
            {
                Ok(found) => Ok(Some(change_status(&found.status))),
                Err(error) if error.is_not_found() => Ok(None),
                Err(error) => Err(error),
            }
        })
    }

    fn review<'a>(
        &'a self,
        instance: &'a str,
        change_id: &'a str,
        revision: &'a str,
        message: &'a str,
        votes: &'a BTreeMap<String, i32>,
    ) -> GerritFuture<'a, ()> {
        Box::pin(async move {
            let path = format!("changes/{change_id}/revisions/{revision}/review");
            let mut body = serde_json::json!({"message": message});
            if !votes.is_empty() {
                body["labels"] = serde_json::json!(votes);
            }
            let request = self
                .http
                .post(self.url(instance, &path))
                .header("content-type", "application/json")
                .body(body.to_string());
            self.send::<serde_json::Value>(instance, &path, request)
                .await
                .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_times_read_as_gerrit_writes_them() {
        let filter = BranchFilter {
            branches: vec!["main".into(), "release".into()],
            excluded_branches: vec!["old".into()],
        };
        assert_eq!(
            query("platform/app", &filter),
            "(branch:main OR branch:release) (-branch:old) project:platform/app"
        );
        assert_eq!(query("p", &BranchFilter::default()), "project:p");
        assert_eq!(
            time("2026-01-02 03:04:05.123456789").map(|t| t.to_string()),
            Some("2026-01-02T03:04:05.123456789Z".to_string())
        );
    }
}
