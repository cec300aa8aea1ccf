//! OWNERS and OWNERS_ALIASES (upstream `pkg/repoowners`): who approves and reviews each file of a
//! repository, read from the OWNERS files of the base branch.
//!
//! Upstream walks a clone of the branch. Here only the files that can apply are read, through
//! facts: for each changed file, the OWNERS file of its directory and of every directory above it,
//! with the root OWNERS_ALIASES, all asked for in one round ([`repo_owners`]). What the files say
//! is resolved as upstream resolves it: aliases expanded (not recursively), logins normalized,
//! `filters` by regex, `no_parent_owners`, the closest OWNERS with anyone in it, approvers and
//! reviewers kept only when they are collaborators (unless `owners.skip_collaborators`).
//!
//! Since only those directories are read, [`RepoOwners::all_approvers`] and the like know only
//! the OWNERS files on the paths asked about, not the whole repository's.

pub mod go_rand;
pub mod parse;

use crate::{Fact, Facts, NeedFacts};
use parse::{Aliases, DirOptions, OwnersConfig, OwnersFile, norm_login};
use prow_config::Config;
use prow_ports::github::RepoRef;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

/// A set in layers (upstream `layeredsets.String`): an item is in at most one layer, the first
/// it was put in; lists go layer by layer, each sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayeredSet {
    layers: Vec<BTreeSet<String>>,
}

impl LayeredSet {
    pub fn new() -> LayeredSet {
        LayeredSet::default()
    }

    /// Puts each item not in any layer yet into `layer`.
    pub fn insert<I, S>(&mut self, layer: usize, items: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        while self.layers.len() <= layer {
            self.layers.push(BTreeSet::new());
        }
        for item in items {
            let item = item.into();
            if !self.contains(&item) {
                self.layers[layer].insert(item);
            }
        }
    }

    pub fn contains(&self, item: &str) -> bool {
        self.layers.iter().any(|layer| layer.contains(item))
    }

    pub fn remove(&mut self, item: &str) {
        for layer in &mut self.layers {
            layer.remove(item);
        }
    }

    pub fn len(&self) -> usize {
        self.layers.iter().map(BTreeSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Layer by layer, each sorted.
    pub fn list(&self) -> Vec<String> {
        self.layers.iter().flatten().cloned().collect()
    }

    /// Every item, without layers.
    pub fn set(&self) -> BTreeSet<String> {
        self.layers.iter().flatten().cloned().collect()
    }

    /// The items not in `other`, each in its layer.
    pub fn difference(&self, other: &BTreeSet<String>) -> LayeredSet {
        let mut result = LayeredSet::new();
        for (layer, items) in self.layers.iter().enumerate() {
            result.insert(layer, items.iter().filter(|i| !other.contains(*i)).cloned());
        }
        result
    }

    /// Both sets' items, each in the first layer either has it in.
    pub fn union(&self, other: &LayeredSet) -> LayeredSet {
        let mut result = LayeredSet::new();
        for set in [self, other] {
            for (layer, items) in set.layers.iter().enumerate() {
                result.insert(layer, items.iter().cloned());
            }
        }
        result
    }

    /// The first layer with anything in it: where [`LayeredSet::pop_random`] picks from.
    pub fn first_layer(&self) -> Option<&BTreeSet<String>> {
        self.layers.iter().find(|layer| !layer.is_empty())
    }

    /// Upstream `PopRandom`: a random item of the first non-empty layer, taken out.
    pub fn pop_random(&mut self, rng: &mut go_rand::GoRand) -> Option<String> {
        let layer = self.layers.iter().find(|layer| !layer.is_empty())?;
        let items: Vec<&String> = layer.iter().collect();
        let chosen = items.get(rng.intn(items.len()))?.to_string();
        self.remove(&chosen);
        Some(chosen)
    }
}

/// The people (or labels) of one OWNERS entry: everything in the directory, or the files a
/// `filters` regex matches.
#[derive(Clone, Debug)]
struct Entry {
    /// `None` for everything (upstream stores `.*` so too).
    filter: Option<Regex>,
    people: BTreeSet<String>,
}

/// Entries by directory (`""` for the root), or by markdown file for front matter.
type Entries = BTreeMap<String, Vec<Entry>>;

/// What the OWNERS files of a repository's branch say (upstream `RepoOwners`).
#[derive(Clone, Debug, Default)]
pub struct RepoOwners {
    aliases: Aliases,
    approvers: Entries,
    reviewers: Entries,
    required_reviewers: Entries,
    labels: Entries,
    options: BTreeMap<String, DirOptions>,
    md_yaml: bool,
    filenames: Filenames,
}

/// The names of a repository's OWNERS files (`owners.filenames`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filenames {
    pub owners: String,
    pub owners_aliases: String,
}

impl Default for Filenames {
    fn default() -> Filenames {
        Filenames {
            owners: "OWNERS".into(),
            owners_aliases: "OWNERS_ALIASES".into(),
        }
    }
}

impl Filenames {
    /// The names configured for `repo`.
    pub fn for_repo(config: &Config, repo: &RepoRef) -> Filenames {
        let names = config.plugins.owners.filenames_for(&repo.org, &repo.name);
        Filenames {
            owners: names.owners,
            owners_aliases: names.owners_aliases,
        }
    }
}

/// Upstream `canonicalize`: the root is `""`, no trailing slash.
pub fn canonicalize(path: &str) -> &str {
    if path == "." {
        ""
    } else {
        path.strip_suffix('/').unwrap_or(path)
    }
}

/// Go's `filepath.Dir` for the relative, slash-separated paths of a repository.
pub fn dir(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => "/",
        Some(index) => trimmed[..index].trim_end_matches('/'),
        None => ".",
    }
}

/// Go's `filepath.Rel(base, path)` for `base` an ancestor of `path` (or `""`, the root).
fn relative<'a>(base: &str, path: &'a str) -> &'a str {
    if base.is_empty() {
        return if path.is_empty() { "." } else { path };
    }
    if base == path {
        return ".";
    }
    path.strip_prefix(base)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path)
}

impl RepoOwners {
    /// Owners from OWNERS files given as `(directory, text)` (`""` for the root), with `aliases`;
    /// for tests and for callers that have the files already.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        aliases: Aliases,
    ) -> RepoOwners {
        let mut owners = RepoOwners {
            aliases,
            ..RepoOwners::default()
        };
        for (directory, text) in files {
            owners.apply_owners_file(canonicalize(directory), text);
        }
        owners
    }

    /// The OWNERS file names this repository uses.
    pub fn filenames(&self) -> &Filenames {
        &self.filenames
    }

    fn apply_owners_file(&mut self, directory: &str, text: &str) {
        match parse::parse_owners(text) {
            Ok(OwnersFile::Simple(simple)) => {
                self.apply_config(directory, None, &simple.config);
                self.apply_options(directory, simple.options);
            }
            Ok(OwnersFile::Full(full)) => {
                for (pattern, config) in &full.filters {
                    let filter = if pattern == ".*" {
                        None
                    } else {
                        match Regex::new(pattern) {
                            Ok(regex) => Some(regex),
                            // Upstream skips a filter whose regex does not compile.
                            Err(_) => continue,
                        }
                    };
                    self.apply_config(directory, filter, config);
                }
                self.apply_options(directory, full.options);
            }
            // Upstream ignores a file that parses as neither form.
            Err(error) => {
                tracing::debug!(directory, %error, "an OWNERS file that does not parse is ignored");
            }
        }
    }

    fn apply_md_file(&mut self, path: &str, text: &str) {
        if let Some(simple) = parse::parse_md_header(text) {
            self.apply_config(path, None, &simple.config);
            self.apply_options(path, simple.options);
        }
    }

    fn apply_config(&mut self, path: &str, filter: Option<Regex>, config: &OwnersConfig) {
        let people = [
            (&mut self.approvers, &config.approvers),
            (&mut self.reviewers, &config.reviewers),
            (&mut self.required_reviewers, &config.required_reviewers),
        ];
        for (entries, logins) in people {
            if !logins.is_empty() {
                let normalized = logins.iter().map(|l| norm_login(l)).collect();
                let people = expand_aliases(&self.aliases, normalized);
                store(entries, path, filter.clone(), people);
            }
        }
        if !config.labels.is_empty() {
            let labels = config.labels.iter().cloned().collect();
            store(&mut self.labels, path, filter, labels);
        }
    }

    fn apply_options(&mut self, path: &str, options: DirOptions) {
        if options != DirOptions::default() {
            self.options.insert(path.to_string(), options);
        }
    }

    /// Keeps only collaborators among approvers and reviewers (upstream `filterCollaborators`).
    fn keep_collaborators(&mut self, collaborators: &[String]) {
        let keep: BTreeSet<String> = collaborators.iter().map(|c| norm_login(c)).collect();
        for entries in [&mut self.approvers, &mut self.reviewers] {
            for entry in entries.values_mut().flatten() {
                entry.people.retain(|p| keep.contains(p));
            }
        }
    }

    /// Upstream `entriesForFile`: the entries that apply to `path`, closest first, one layer per
    /// level; `leaf_only` stops at the first level with anyone.
    fn entries_for_file(&self, path: &str, entries: &Entries, leaf_only: bool) -> LayeredSet {
        let mut current = if self.md_yaml && path.ends_with(".md") {
            path
        } else {
            canonicalize(path)
        };
        let mut out = LayeredSet::new();
        let mut layer = 0;
        loop {
            let rel = relative(current, path);
            for entry in entries.get(current).into_iter().flatten() {
                if entry.filter.as_ref().is_none_or(|re| re.is_match(rel)) {
                    out.insert(layer, entry.people.iter().cloned());
                }
            }
            if leaf_only && !out.is_empty() {
                break;
            }
            if current.is_empty() {
                break;
            }
            if self.is_no_parent_owners(current) && !out.is_empty() {
                break;
            }
            current = canonicalize(dir(current));
            layer += 1;
        }
        out
    }

    /// Upstream `findOwnersForFile`: the closest directory (or markdown file) with anyone for
    /// `path`; the root is the fallback, never tested.
    fn find_owners_for_file(path: &str, entries: &Entries) -> String {
        let mut current = path;
        while !current.is_empty() {
            let rel = relative(current, path);
            let found = entries.get(current).into_iter().flatten().any(|entry| {
                entry.filter.as_ref().is_none_or(|re| re.is_match(rel)) && !entry.people.is_empty()
            });
            if found {
                return current.to_string();
            }
            current = canonicalize(dir(current));
        }
        String::new()
    }

    /// Who approves `path`, closest OWNERS first, up to the root unless `no_parent_owners`.
    pub fn approvers(&self, path: &str) -> LayeredSet {
        self.entries_for_file(path, &self.approvers, false)
    }

    /// The closest approvers of `path`.
    pub fn leaf_approvers(&self, path: &str) -> BTreeSet<String> {
        self.entries_for_file(path, &self.approvers, true).set()
    }

    pub fn reviewers(&self, path: &str) -> LayeredSet {
        self.entries_for_file(path, &self.reviewers, false)
    }

    pub fn leaf_reviewers(&self, path: &str) -> BTreeSet<String> {
        self.entries_for_file(path, &self.reviewers, true).set()
    }

    pub fn required_reviewers(&self, path: &str) -> BTreeSet<String> {
        self.entries_for_file(path, &self.required_reviewers, false)
            .set()
    }

    /// The labels of `path`'s OWNERS files, at every level.
    pub fn labels_for_file(&self, path: &str) -> BTreeSet<String> {
        self.entries_for_file(path, &self.labels, false).set()
    }

    /// The directory of the closest OWNERS file with approvers for `path` (`""`: the root).
    pub fn find_approver_owners_for_file(&self, path: &str) -> String {
        Self::find_owners_for_file(path, &self.approvers)
    }

    pub fn find_reviewers_owners_for_file(&self, path: &str) -> String {
        Self::find_owners_for_file(path, &self.reviewers)
    }

    pub fn is_no_parent_owners(&self, path: &str) -> bool {
        self.options
            .get(path)
            .is_some_and(|options| options.no_parent_owners)
    }

    pub fn is_auto_approve_unowned_subfolders(&self, path: &str) -> bool {
        self.options
            .get(path)
            .is_some_and(|options| options.auto_approve_unowned_subfolders)
    }

    /// The approvers of the root OWNERS file.
    pub fn top_level_approvers(&self) -> BTreeSet<String> {
        self.entries_for_file(".", &self.approvers, true).set()
    }

    /// Every approver of the OWNERS files read.
    pub fn all_approvers(&self) -> BTreeSet<String> {
        all_people(&self.approvers)
    }

    /// Every reviewer of the OWNERS files read.
    pub fn all_reviewers(&self) -> BTreeSet<String> {
        all_people(&self.reviewers)
    }

    pub fn all_owners(&self) -> BTreeSet<String> {
        let mut all = self.all_approvers();
        all.extend(self.all_reviewers());
        all
    }
}

fn all_people(entries: &Entries) -> BTreeSet<String> {
    entries
        .values()
        .flatten()
        .flat_map(|entry| entry.people.iter().cloned())
        .collect()
}

fn store(entries: &mut Entries, path: &str, filter: Option<Regex>, people: BTreeSet<String>) {
    let at = entries.entry(path.to_string()).or_default();
    let pattern = filter.as_ref().map(Regex::as_str);
    // A later entry for the same filter replaces the earlier, as upstream's map does.
    at.retain(|entry| entry.filter.as_ref().map(Regex::as_str) != pattern);
    at.push(Entry { filter, people });
}

/// Upstream `ExpandAliases`: each login that names an alias is replaced by its members (once:
/// members that are aliases themselves are not expanded).
pub fn expand_aliases(aliases: &Aliases, logins: BTreeSet<String>) -> BTreeSet<String> {
    if aliases.is_empty() {
        return logins;
    }
    let mut expanded = logins.clone();
    for login in &logins {
        if let Some(members) = aliases.get(&norm_login(login)) {
            expanded.remove(login);
            expanded.extend(members.iter().cloned());
        }
    }
    expanded
}

/// The directories upstream does not look for OWNERS files in (prow `owners_dir_denylist`).
pub fn dir_denylist(config: &Config, org: &str, repo: &str) -> Vec<Regex> {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Denylist {
        repos: BTreeMap<String, Vec<String>>,
        default: Vec<String>,
        ignore_preconfigured_defaults: bool,
    }
    let denylist: Denylist = config
        .prow
        .owners_dir_denylist
        .clone()
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default();
    let mut patterns = denylist.default.clone();
    for key in [org.to_string(), format!("{org}/{repo}")] {
        patterns.extend(denylist.repos.get(&key).into_iter().flatten().cloned());
    }
    if !denylist.ignore_preconfigured_defaults {
        patterns.extend([r"\.git$", "_output$", "vendor/.*/.*"].map(str::to_string));
    }
    // Upstream logs and drops a regex that does not compile.
    patterns.iter().filter_map(|p| Regex::new(p).ok()).collect()
}

/// Whether upstream's walk would skip `directory` (repo-relative, `""` the root): it or a
/// directory above it matches the denylist.
pub fn denied(directory: &str, denylist: &[Regex]) -> bool {
    let mut current = canonicalize(directory);
    loop {
        let shown = if current.is_empty() { "." } else { current };
        if denylist.iter().any(|re| re.is_match(shown)) {
            return true;
        }
        if current.is_empty() {
            return false;
        }
        current = canonicalize(dir(current));
    }
}

/// The path of the OWNERS file of `directory`.
pub fn owners_file_path(directory: &str, filename: &str) -> String {
    if directory.is_empty() {
        filename.to_string()
    } else {
        format!("{directory}/{filename}")
    }
}

/// The directories whose OWNERS files can apply to `paths`: theirs and every one above.
fn candidate_dirs<'a>(paths: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut dirs = BTreeSet::from([String::new()]);
    for path in paths {
        let mut current = canonicalize(dir(path));
        while !current.is_empty() && dirs.insert(current.to_string()) {
            current = canonicalize(dir(current));
        }
    }
    dirs
}

/// What OWNERS says about `paths` of `repo` on branch `git_ref` (upstream `LoadRepoOwners`):
/// asks, in one round, for the OWNERS file of every directory that can apply, the root
/// OWNERS_ALIASES, markdown files' front matter (in `owners.mdyamlrepos` repos) and, unless
/// `owners.skip_collaborators`, the collaborators.
pub fn repo_owners<I, S>(
    config: &Config,
    facts: &Facts,
    repo: &RepoRef,
    git_ref: &str,
    paths: I,
) -> Result<RepoOwners, NeedFacts>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let settings = &config.plugins.owners;
    let filenames = Filenames::for_repo(config, repo);
    let md_yaml = settings.md_yaml(&repo.org, &repo.name);
    let skip_collaborators = settings.skips_collaborators(&repo.org, &repo.name);
    let denylist = dir_denylist(config, &repo.org, &repo.name);
    let paths: Vec<String> = paths.into_iter().map(|p| p.as_ref().to_string()).collect();

    let dirs: Vec<String> = candidate_dirs(paths.iter().map(String::as_str))
        .into_iter()
        .filter(|d| !denied(d, &denylist))
        .collect();
    let md_files: Vec<&String> = paths
        .iter()
        .filter(|p| md_yaml && p.ends_with(".md") && !denied(dir(p), &denylist))
        .collect();
    let file = |path: String| Fact::file(repo, git_ref, &path);
    let mut needed: Vec<Fact> = dirs
        .iter()
        .filter(|_| !filenames.owners.is_empty())
        .map(|d| file(owners_file_path(d, &filenames.owners)))
        .collect();
    needed.extend(md_files.iter().map(|p| file(p.to_string())));
    if !filenames.owners_aliases.is_empty() {
        needed.push(file(filenames.owners_aliases.clone()));
    }
    if !skip_collaborators {
        needed.push(Fact::Collaborators(repo.clone()));
    }
    facts.need(needed)?;

    let aliases = if filenames.owners_aliases.is_empty() {
        Aliases::new()
    } else {
        match facts.file(repo, git_ref, &filenames.owners_aliases)? {
            Some(text) => {
                let (aliases, error) = parse::parse_aliases(text);
                if let Some(error) = error {
                    tracing::warn!(%repo, %error, "OWNERS_ALIASES does not parse; using the aliases read before the error");
                }
                aliases
            }
            None => Aliases::new(),
        }
    };
    let mut owners = RepoOwners {
        aliases,
        md_yaml,
        filenames: filenames.clone(),
        ..RepoOwners::default()
    };
    if !filenames.owners.is_empty() {
        for directory in &dirs {
            let path = owners_file_path(directory, &filenames.owners);
            if let Some(text) = facts.file(repo, git_ref, &path)? {
                owners.apply_owners_file(directory, text);
            }
        }
    }
    for path in md_files {
        if let Some(text) = facts.file(repo, git_ref, path)? {
            owners.apply_md_file(path, text);
        }
    }
    if !skip_collaborators {
        owners.keep_collaborators(facts.collaborators(repo)?);
    }
    Ok(owners)
}

#[cfg(test)]
pub(crate) mod tests;
