//! The repositories part of a plan: each configured repository created or edited to match.

use super::*;

pub(super) fn repos(
    want: &OrgConfig,
    have: &OrgState,
    options: &Options,
    plan: &mut Plan,
) -> Result<(), PlanError> {
    // Names and previous names, compared as GitHub does (ignoring case), each used by one repo.
    let mut owner: BTreeMap<String, &String> = BTreeMap::new();
    let mut duplicated = Vec::new();
    for (name, repo) in &want.repos {
        let names: BTreeSet<String> = std::iter::once(name)
            .chain(&repo.previously)
            .map(|n| n.to_lowercase())
            .collect();
        for lower in names {
            if let Some(other) = owner.insert(lower.clone(), name) {
                duplicated.push(format!("{other}/{name}"));
            }
        }
    }
    if !duplicated.is_empty() {
        return Err(PlanError::DuplicateRepoNames(duplicated.join(", ")));
    }
    let by_name: BTreeMap<String, &RepoSettings> = have
        .repos
        .iter()
        .map(|r| (r.name.to_lowercase(), r))
        .collect();
    for (name, config) in &want.repos {
        let found: Vec<&RepoSettings> = std::iter::once(name)
            .chain(&config.previously)
            .filter_map(|n| by_name.get(&n.to_lowercase()).copied())
            .collect();
        let distinct: BTreeSet<&str> = found.iter().map(|r| r.name.as_str()).collect();
        if distinct.len() > 1 {
            plan.refused.push(format!(
                "repository {name}: different repos already exist for current and previous names: {}",
                distinct.into_iter().collect::<Vec<_>>().join(" and ")
            ));
            continue;
        }
        let visibility = match config.wanted_visibility() {
            Ok(v) => v,
            Err(reason) => {
                plan.refused.push(format!("repository {name}: {reason}"));
                continue;
            }
        };
        match found.first() {
            None => {
                if config.archived == Some(true) {
                    plan.refused
                        .push(format!("nonexistent repo configured as archived: {name}"));
                    continue;
                }
                let mut create = repo_edit(config, visibility);
                create.name = Some(name.clone());
                create.archived = None;
                create.default_branch = None;
                plan.changes.push(OrgChange::CreateRepo(create));
            }
            Some(current) => {
                if let Some(change) = repo_change(name, config, visibility, current, options, plan)
                {
                    plan.changes.push(OrgChange::EditRepo {
                        repo: current.name.clone(),
                        change,
                    });
                }
            }
        }
    }
    Ok(())
}

fn repo_edit(config: &RepoConfig, visibility: Option<Visibility>) -> RepoEdit {
    RepoEdit {
        name: None,
        description: config.description.clone(),
        homepage: config.homepage.clone(),
        visibility: visibility.map(|v| v.as_github().to_string()),
        has_issues: config.has_issues,
        has_projects: config.has_projects,
        has_wiki: config.has_wiki,
        allow_squash_merge: config.allow_squash_merge,
        allow_merge_commit: config.allow_merge_commit,
        allow_rebase_merge: config.allow_rebase_merge,
        default_branch: config.default_branch.clone(),
        archived: config.archived,
    }
}

fn repo_change(
    name: &str,
    config: &RepoConfig,
    visibility: Option<Visibility>,
    current: &RepoSettings,
    options: &Options,
    plan: &mut Plan,
) -> Option<RepoEdit> {
    if current.archived && config.archived == Some(true) {
        return None;
    }
    fn differ<T: PartialEq + Clone>(want: &Option<T>, have: T) -> Option<T> {
        want.as_ref().filter(|w| **w != have).cloned()
    }
    let want = repo_edit(config, visibility);
    let current_visibility = if current.visibility.is_empty() {
        if current.private { "private" } else { "public" }.to_string()
    } else {
        current.visibility.clone()
    };
    let mut change = RepoEdit {
        name: (current.name != name).then(|| name.to_string()),
        description: differ(
            &want.description,
            current.description.clone().unwrap_or_default(),
        ),
        homepage: differ(&want.homepage, current.homepage.clone().unwrap_or_default()),
        visibility: differ(&want.visibility, current_visibility),
        has_issues: differ(&want.has_issues, current.has_issues),
        has_projects: differ(&want.has_projects, current.has_projects),
        has_wiki: differ(&want.has_wiki, current.has_wiki),
        allow_squash_merge: differ(&want.allow_squash_merge, current.allow_squash_merge),
        allow_merge_commit: differ(&want.allow_merge_commit, current.allow_merge_commit),
        allow_rebase_merge: differ(&want.allow_rebase_merge, current.allow_rebase_merge),
        default_branch: differ(&want.default_branch, current.default_branch.clone()),
        archived: differ(&want.archived, current.archived),
    };
    match change.archived {
        Some(false) => {
            plan.refused.push(format!(
                "repository {name}: asked to unarchive, which GitHub's API does not support"
            ));
            change.archived = None;
        }
        Some(true) if !options.allow_repo_archival => {
            plan.refused.push(format!(
                "repository {name}: archiving needs --allow-repo-archival"
            ));
            change.archived = None;
        }
        _ => {}
    }
    if change.visibility.as_deref() == Some("public") && !options.allow_repo_publish {
        plan.refused.push(format!(
            "repository {name}: making it public needs --allow-repo-publish"
        ));
        change.visibility = None;
    }
    (!change.is_empty()).then_some(change)
}
