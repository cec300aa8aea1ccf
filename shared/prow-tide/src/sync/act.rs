//! What a sync does to a pool: start its retests and batches, and merge, with the checks and
//! GitHub's refusals sorted as upstream sorts them.

use super::*;

/// Performs the decision; the error a person should read in the pool's history, if any.
pub(super) async fn act(
    ports: &Ports<'_>,
    config: &Config,
    pool: &Subpool<'_>,
    decision: &Decision,
    now: Timestamp,
    report: &mut Report,
) -> Result<Option<String>, SyncError> {
    match decision.action {
        Action::Wait | Action::Blocked => Ok(None),
        Action::Merge | Action::MergeBatch => {
            merge_all(ports, config, pool, decision, report).await
        }
        Action::Trigger | Action::TriggerBatch => {
            start(ports, pool, &decision.targets, &decision.jobs, now, report).await?;
            Ok(None)
        }
        Action::Bisect => {
            for half in &decision.groups {
                let jobs: Vec<String> = pool
                    .required_presubmits(half)
                    .map_err(|ChangesNeeded(n)| {
                        SyncError::Search(format!("the changes of #{n} were not read"))
                    })?
                    .iter()
                    .map(|job| job.base.name.clone())
                    .collect();
                start(ports, pool, half, &jobs, now, report).await?;
            }
            Ok(None)
        }
    }
}

/// Starts `jobs` for `targets`: presubmits for one pull request, batches for several.
async fn start(
    ports: &Ports<'_>,
    pool: &Subpool<'_>,
    targets: &[u64],
    jobs: &[String],
    now: Timestamp,
    report: &mut Report,
) -> Result<(), SyncError> {
    let repo = RepoRef::new(&pool.org, &pool.repo);
    let prs: Vec<&PullRequest> = targets.iter().filter_map(|n| pool.pr(*n)).collect();
    let refs = refs_for(&repo, &pool.branch, &pool.base_sha, &prs);
    let tested: Vec<(u64, String)> = prs.iter().map(|p| (p.number, p.head_sha.clone())).collect();
    // Named after what is tested and how often it failed before, so overlapping syncs start
    // it once, and a failed run is run again as upstream runs it again.
    let attempt = pool
        .runs
        .iter()
        .filter(|run| run.pulls == tested && run.state == crate::RunState::Failure)
        .count();
    let pulls: Vec<String> = tested.iter().map(|(n, sha)| format!("{n}:{sha}")).collect();
    let trigger_id = format!(
        "tide:{repo}:{}:{}:{attempt}",
        pool.base_sha,
        pulls.join(",")
    );
    let mut extra = StringMap::new();
    extra.insert(labels::CREATED_BY_TIDE.to_string(), "true".to_string());
    let mut contexts = BTreeSet::new();
    for job in pool
        .presubmits
        .iter()
        .filter(|p| jobs.contains(&p.base.name))
    {
        // Jobs sharing a context are shards of one result: started once.
        if !contexts.insert(job.reporter.context.clone()) {
            continue;
        }
        let prowjob = if prs.len() == 1 {
            prow_trigger::jobs::presubmit(job, refs.clone(), &trigger_id, &extra, now)
        } else {
            prow_trigger::jobs::batch(job, refs.clone(), &trigger_id, &extra, now)
        };
        match ports.jobs.create(&prowjob).await {
            Ok(_) => report.started.push(prowjob.name().to_string()),
            Err(StoreError::AlreadyExists(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// The refs of `prs` on the base (upstream `refsForJob`).
pub(super) fn refs_for(repo: &RepoRef, branch: &str, base_sha: &str, prs: &[&PullRequest]) -> Refs {
    let link = format!("https://github.com/{repo}");
    Refs {
        org: repo.org.clone(),
        repo: repo.name.clone(),
        repo_link: link.clone(),
        base_ref: branch.to_string(),
        base_sha: base_sha.to_string(),
        base_link: format!("{link}/commit/{base_sha}"),
        pulls: prs
            .iter()
            .map(|pr| Pull {
                number: pr.number,
                author: pr.author.clone(),
                sha: pr.head_sha.clone(),
                title: pr.title.clone(),
                head_ref: pr.head_ref.clone(),
                link: format!("{link}/pull/{}", pr.number),
                commit_link: format!("{link}/pull/{}/commits/{}", pr.number, pr.head_sha),
                author_link: format!("https://github.com/{}", pr.author),
                ..Pull::default()
            })
            .collect(),
        ..Refs::default()
    }
}

/// Merge labels that ask for different methods.
#[derive(Debug, PartialEq, Eq)]
pub struct ConflictingMergeLabels;

/// Upstream `prMergeMethod`: `merge_method` for `org/repo@branch`, `org/repo` or `org` (default
/// `merge`), unless one of the merge labels asks for another; two such labels are a conflict.
pub fn merge_method(
    config: &Config,
    repo: &RepoRef,
    branch: &str,
    pr: &PullRequest,
) -> Result<MergeMethod, ConflictingMergeLabels> {
    let tide = &config.prow.tide;
    let configured = tide
        .merge_method
        .as_ref()
        .and_then(|map| {
            [
                format!("{}@{branch}", repo.full_name()),
                repo.full_name(),
                repo.org.clone(),
            ]
            .iter()
            .find_map(|key| map.get(key).and_then(|v| v.as_str()).map(str::to_string))
        })
        .and_then(|method| parse_method(&method))
        .unwrap_or(MergeMethod::Merge);
    let asked: Vec<MergeMethod> = [
        (&tide.squash_label, MergeMethod::Squash),
        (&tide.rebase_label, MergeMethod::Rebase),
        (&tide.merge_label, MergeMethod::Merge),
    ]
    .into_iter()
    .filter(|(label, _)| !label.is_empty() && pr.has_label(label))
    .map(|(_, method)| method)
    .collect();
    match asked.as_slice() {
        [] => Ok(configured),
        [one] => Ok(*one),
        _ => Err(ConflictingMergeLabels),
    }
}

fn parse_method(method: &str) -> Option<MergeMethod> {
    match method {
        "merge" => Some(MergeMethod::Merge),
        "squash" => Some(MergeMethod::Squash),
        "rebase" => Some(MergeMethod::Rebase),
        _ => None,
    }
}

/// What GitHub's answer to a merge means (upstream `tryMerge`).
#[derive(Debug, PartialEq, Eq)]
enum MergeRefusal {
    /// The base moved while merging: worth one more try now, else the next sync.
    BaseModified,
    /// The head moved, or the pull request cannot merge: leave it, go on with the others.
    ThisPullRequest(String),
    /// The bot may not merge here: stop the batch.
    Everything(String),
}

fn refusal(error: &GitHubError) -> Option<MergeRefusal> {
    let message = error.to_string();
    match error.status()? {
        405 if message.contains("Base branch was modified") => Some(MergeRefusal::BaseModified),
        409 => Some(MergeRefusal::ThisPullRequest("the head moved".into())),
        405 if message.contains("Merge commits are not allowed") => {
            Some(MergeRefusal::Everything(message))
        }
        405 => Some(MergeRefusal::ThisPullRequest("not mergeable".into())),
        401 | 403 => Some(MergeRefusal::Everything(message)),
        _ => None,
    }
}

/// Upstream `mergePRs`: the `tide` context set to success first (branch protection may require
/// it), then each merge; the pull requests GitHub refused are named in the returned error.
async fn merge_all(
    ports: &Ports<'_>,
    config: &Config,
    pool: &Subpool<'_>,
    decision: &Decision,
    report: &mut Report,
) -> Result<Option<String>, SyncError> {
    let repo = RepoRef::new(&pool.org, &pool.repo);
    let mut failed = Vec::new();
    // The base the decision was made on; after each merge, the commit that merge made.
    let mut expected_base = Sha::new(pool.base_sha.clone());
    for number in &decision.targets {
        let Some(pr) = pool.pr(*number) else {
            continue;
        };
        // What was read at the start of the sync may have changed since: merge only what is
        // still the tested head, still admitted by a query, onto the base it was tested on.
        let changed = changed_since_read(
            ports.github,
            config,
            &repo,
            &pool.branch,
            pr,
            &expected_base,
        )
        .await?;
        if let Some(why) = changed {
            tracing::info!(
                org = repo.org,
                repo = repo.name,
                pr = number,
                why,
                "not merged"
            );
            failed.push(format!("#{number}: {why}"));
            return Ok(Some(failed.join("; ")));
        }
        let in_pool = Expected {
            state: "success",
            description: crate::status::IN_POOL.to_string(),
        };
        if !pr
            .contexts
            .iter()
            .any(|c| c.name == TIDE_CONTEXT && c.state == crate::ContextState::Success)
        {
            write_status(ports.github, &repo, pr, &in_pool, config, report).await?;
        }
        let Ok(method) = merge_method(config, &repo, &pool.branch, pr) else {
            failed.push(format!("#{number}: conflicting merge method labels"));
            continue;
        };
        let (commit_title, commit_message) = commit_text(config, &repo, &pool.branch, pr);
        let details = MergeDetails {
            commit_title,
            commit_message,
            head_sha: pr.head_sha.clone(),
            merge_method: method,
        };
        let mut tries = 0;
        loop {
            tries += 1;
            match ports
                .github
                .merge(&repo, IssueNumber(*number), &details)
                .await
            {
                Ok(merged) => {
                    tracing::info!(org = repo.org, repo = repo.name, pr = number, "merged");
                    report.merged.push(format!("{repo}#{number}"));
                    let Some(sha) = merged else {
                        // A dry run merged nothing: nothing after it can be checked.
                        return Ok(None);
                    };
                    report.merges.push(crate::pool::Merged {
                        from: expected_base.to_string(),
                        merged: vec![(*number, pr.head_sha.clone())],
                        to: sha.to_string(),
                    });
                    expected_base = sha;
                    break;
                }
                Err(error) => match refusal(&error) {
                    Some(MergeRefusal::BaseModified) if tries < 2 => continue,
                    Some(MergeRefusal::BaseModified) => {
                        failed.push(format!("#{number}: the base branch moved"));
                        break;
                    }
                    Some(MergeRefusal::ThisPullRequest(why)) => {
                        failed.push(format!("#{number}: {why}"));
                        break;
                    }
                    Some(MergeRefusal::Everything(why)) => {
                        failed.push(format!("#{number}: {why}"));
                        return Ok(Some(failed.join("; ")));
                    }
                    None => return Err(error.into()),
                },
            }
        }
    }
    Ok((!failed.is_empty()).then(|| failed.join("; ")))
}

/// Upstream `MergeCommitTemplate` and `prepareMergeDetails`: the merge commit's title and body
/// from `merge_commit_template` for `org/repo`, else `org` (Go templates over the pull request
/// as upstream's `CodeReviewCommon`); empty leaves GitHub's own. A template that does not parse
/// or run is logged and left out, as upstream does.
pub fn commit_text(
    config: &Config,
    repo: &RepoRef,
    branch: &str,
    pr: &PullRequest,
) -> (String, String) {
    let Some(templates) = config
        .prow
        .tide
        .merge_commit_template
        .as_ref()
        .and_then(|map| map.get(repo.full_name()).or_else(|| map.get(&repo.org)))
    else {
        return (String::new(), String::new());
    };
    let data = serde_json::json!({
        "NameWithOwner": repo.full_name(), "Number": pr.number, "Org": repo.org,
        "Repo": repo.name, "BaseRefPrefix": "refs/heads/", "BaseRefName": branch,
        "HeadRefName": pr.head_ref, "HeadRefOID": pr.head_sha, "Title": pr.title,
        "Body": pr.body, "AuthorLogin": pr.author,
        "Mergeable": if pr.merge_state == MergeState::Conflicting { "CONFLICTING" } else { "MERGEABLE" },
    });
    let render = |field: &str| -> String {
        let Some(source) = templates.get(field).and_then(|t| t.as_str()) else {
            return String::new();
        };
        match prow_template::Template::parse(source).and_then(|t| t.execute(&data)) {
            Ok(text) => text,
            Err(error) => {
                tracing::error!(%error, org = repo.org, repo = repo.name, field, "merge_commit_template");
                String::new()
            }
        }
    };
    (render("title"), render("body"))
}

/// Why `pr` must not be merged now although the pool decided so, if it must not: its head
/// moved, it closed, a query no longer admits it (a label came or went), or the base moved
/// under it (someone else pushed, so the results are for another base).
async fn changed_since_read(
    github: &dyn GitHubClient,
    config: &Config,
    repo: &RepoRef,
    branch: &str,
    pr: &PullRequest,
    expected_base: &Sha,
) -> Result<Option<&'static str>, SyncError> {
    let now = github.pull_request(repo, IssueNumber(pr.number)).await?;
    if now.merged || now.state != prow_github::vocabulary::IssueState::Open {
        return Ok(Some("it closed"));
    }
    if now.head.sha != pr.head_sha {
        return Ok(Some("its head moved since it was tested"));
    }
    let labels: Vec<String> = now.labels.into_iter().map(|l| l.name).collect();
    let admitted = query::covering(&config.prow.tide.queries, &repo.org, &repo.name)
        .into_iter()
        .any(|q| query::admits(q, &labels, branch, &now.user.login));
    if !admitted {
        return Ok(Some("its labels changed and no tide query admits it now"));
    }
    if github.branch_head(repo, branch).await? != *expected_base {
        return Ok(Some("the base branch moved since the pool was read"));
    }
    Ok(None)
}
