//! The approval computation of upstream's `pkg/plugins/approve/approvers`: which OWNERS files a
//! pull request needs approval from, which of them the approvals so far cover, whom to suggest
//! (Go's `math/rand` seeded by the PR number, so the same people as upstream and on every
//! redelivery), and the `[APPROVALNOTIFIER]` comment, rendered exactly as upstream's template.
//! Quirks upstream has are kept (each noted where it is).

use crate::owners::go_rand::GoRand;
use crate::owners::{RepoOwners, canonicalize, dir};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The name in the notifier's title.
pub const NOTIFICATION_NAME: &str = "ApprovalNotifier";

/// What the pull request changes, as OWNERS sees it (upstream `Owners`).
pub struct Owners<'a> {
    repo: &'a RepoOwners,
    seed: i64,
    /// Per changed file: the directory of the OWNERS file that approves it, every approver of
    /// it, its closest approvers.
    files: Vec<FileOwners>,
    owners_set: BTreeSet<String>,
}

struct FileOwners {
    owners_file: String,
    approvers: BTreeSet<String>,
    leaf_approvers: BTreeSet<String>,
}

impl<'a> Owners<'a> {
    pub fn new(filenames: &[String], repo: &'a RepoOwners, seed: i64) -> Owners<'a> {
        let files: Vec<FileOwners> = filenames
            .iter()
            .map(|file| FileOwners {
                owners_file: repo.find_approver_owners_for_file(file),
                approvers: repo.approvers(file).set(),
                leaf_approvers: repo.leaf_approvers(file),
            })
            .collect();
        let mut owners = Owners {
            repo,
            seed,
            files,
            owners_set: BTreeSet::new(),
        };
        owners.owners_set = owners.compute_owners_set(filenames);
        owners
    }

    /// Upstream `GetOwnersSet`: the OWNERS files that must approve. Files below an
    /// `auto_approve_unowned_subfolders` OWNERS file with none of their own need nobody.
    fn compute_owners_set(&self, filenames: &[String]) -> BTreeSet<String> {
        let mut set = BTreeSet::new();
        for (file, owners) in filenames.iter().zip(&self.files) {
            let o = &owners.owners_file;
            // Upstream's test is a substring test on the grandparent directory (`""` is in
            // everything); kept as it is.
            if dir(dir(file)).contains(o.as_str())
                && self.repo.is_auto_approve_unowned_subfolders(o)
            {
                continue;
            }
            set.insert(o.clone());
        }
        self.remove_subdirs(&mut set);
        set
    }

    /// Upstream `removeSubdirs`: a directory below another in the set goes, unless it (or one
    /// between) has `no_parent_owners`.
    fn remove_subdirs(&self, dirs: &mut BTreeSet<String>) {
        let canon = |p: &str| {
            if p == "." {
                String::new()
            } else {
                p.to_string()
            }
        };
        for d in dirs.clone() {
            let mut path = d.clone();
            while !self.repo.is_no_parent_owners(&path) && !canon(&path).is_empty() {
                path = dir(&path).to_string();
                if dirs.contains(&canon(&path)) {
                    dirs.remove(&d);
                    break;
                }
            }
        }
    }

    pub fn owners_set(&self) -> &BTreeSet<String> {
        &self.owners_set
    }

    fn by_owners_file(
        &self,
        people: impl Fn(&FileOwners) -> &BTreeSet<String>,
    ) -> BTreeMap<String, BTreeSet<String>> {
        let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in &self.files {
            map.entry(file.owners_file.clone())
                .or_default()
                .extend(people(file).iter().cloned());
        }
        map.retain(|k, _| self.owners_set.contains(k));
        map
    }

    /// Upstream `GetApprovers`: OWNERS file to everyone who approves a file it covers.
    pub fn approvers(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.by_owners_file(|f| &f.approvers)
    }

    /// Upstream `GetLeafApprovers`.
    pub fn leaf_approvers(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.by_owners_file(|f| &f.leaf_approvers)
    }

    /// Upstream `GetAllPotentialApprovers`: every leaf approver, duplicates kept, sorted.
    fn all_potential_approvers(&self) -> Vec<String> {
        let mut all: Vec<String> = self.leaf_approvers().into_values().flatten().collect();
        all.sort();
        all
    }

    /// Upstream `GetShuffledApprovers`: in the order of Go's `rand.New(rand.NewSource(seed))
    /// .Perm(n)`.
    fn shuffled_approvers(&self) -> Vec<String> {
        let all = self.all_potential_approvers();
        GoRand::new(self.seed)
            .perm(all.len())
            .into_iter()
            .filter_map(|i| all.get(i).cloned())
            .collect()
    }

    /// Upstream `GetReverseMap`: approver to the OWNERS files they approve.
    fn reverse(map: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
        let mut reverse: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (owners_file, approvers) in map {
            for approver in approvers {
                reverse
                    .entry(approver.clone())
                    .or_default()
                    .insert(owners_file.clone());
            }
        }
        reverse
    }

    /// Upstream `temporaryUnapprovedFiles`.
    fn unapproved_with(&self, approvers: &BTreeSet<String>) -> BTreeSet<String> {
        let mut ap = Approvers::new(self);
        for approver in approvers {
            ap.add_approver(approver, "", false);
        }
        ap.unapproved_files()
    }

    /// Upstream `GetSuggestedApprovers`: greedily, whoever covers the most of what is left.
    fn suggested_approvers(
        &self,
        reverse: &BTreeMap<String, BTreeSet<String>>,
        potential: &[String],
    ) -> BTreeSet<String> {
        let mut ap = Approvers::new(self);
        while !ap.requirements_met() {
            let chosen = most_covering(
                potential,
                &ap.current_approvers(),
                reverse,
                &ap.unapproved_files(),
            );
            let Some(chosen) = chosen else {
                break;
            };
            ap.add_approver(&chosen, "", false);
        }
        ap.current_approvers()
    }

    /// Upstream `KeepCoveringApprovers`.
    fn keep_covering(
        &self,
        reverse: &BTreeMap<String, BTreeSet<String>>,
        known: &BTreeSet<String>,
        potential: &[String],
    ) -> BTreeSet<String> {
        let unapproved = self.unapproved_with(known);
        self.suggested_approvers(reverse, potential)
            .into_iter()
            .filter(|s| {
                reverse
                    .get(s)
                    .is_some_and(|files| !files.is_disjoint(&unapproved))
            })
            .collect()
    }
}

/// Upstream `findMostCoveringApprover`; it records the size of all the approver's files, not
/// only the unapproved ones, as the best so far (kept: it decides whom upstream suggests).
fn most_covering(
    all: &[String],
    covered: &BTreeSet<String>,
    reverse: &BTreeMap<String, BTreeSet<String>>,
    unapproved: &BTreeSet<String>,
) -> Option<String> {
    let mut max = 0;
    let mut best = None;
    let empty = BTreeSet::new();
    for approver in all {
        let files = reverse.get(approver).unwrap_or(&empty);
        if files.intersection(unapproved).count() > max && !covered.contains(approver) {
            max = files.len();
            best = Some(approver.clone());
        }
    }
    best
}

/// One approval (upstream `Approval`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    /// As the approver wrote it.
    pub login: String,
    /// `Approved`, `LGTM` or `Author self-approved`.
    pub how: &'static str,
    /// Where they approved.
    pub reference: String,
    /// Whether it also waives the associated issue.
    pub no_issue: bool,
}

impl std::fmt::Display for Approval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            r#"*<a href="{}" title="{}">{}</a>*"#,
            self.reference, self.how, self.login
        )
    }
}

/// The approvals of a pull request (upstream `Approvers`).
pub struct Approvers<'o, 'a> {
    owners: &'o Owners<'a>,
    /// By lower-case login.
    approvals: BTreeMap<String, Approval>,
    assignees: BTreeSet<String>,
    pub associated_issue: u64,
    pub require_issue: bool,
    /// A human added the `approved` label (upstream evaluates it lazily; the caller finds out
    /// only when [`Approvers::needs_manual_approval_check`] says it matters).
    pub manually_approved: bool,
}

impl<'o, 'a> Approvers<'o, 'a> {
    pub fn new(owners: &'o Owners<'a>) -> Approvers<'o, 'a> {
        Approvers {
            owners,
            approvals: BTreeMap::new(),
            assignees: BTreeSet::new(),
            associated_issue: 0,
            require_issue: false,
            manually_approved: false,
        }
    }

    /// Upstream keeps a `no-issue` approval against a later plain one.
    fn add(&mut self, login: &str, reference: &str, no_issue: bool, how: &'static str) {
        let key = login.to_lowercase();
        if self
            .approvals
            .get(&key)
            .is_some_and(|a| a.no_issue && !no_issue)
        {
            return;
        }
        self.approvals.insert(
            key,
            Approval {
                login: login.to_string(),
                how,
                reference: reference.to_string(),
                no_issue,
            },
        );
    }

    pub fn add_approver(&mut self, login: &str, reference: &str, no_issue: bool) {
        self.add(login, reference, no_issue, "Approved");
    }

    pub fn add_lgtmer(&mut self, login: &str, reference: &str, no_issue: bool) {
        self.add(login, reference, no_issue, "LGTM");
    }

    pub fn add_author_self_approver(&mut self, login: &str, reference: &str, no_issue: bool) {
        self.add(login, reference, no_issue, "Author self-approved");
    }

    pub fn remove_approver(&mut self, login: &str) {
        self.approvals.remove(&login.to_lowercase());
    }

    pub fn add_assignee(&mut self, login: &str) {
        self.assignees.insert(login.to_lowercase());
    }

    /// Lower-case logins of the approvals.
    fn current_approvers(&self) -> BTreeSet<String> {
        self.approvals.keys().cloned().collect()
    }

    /// The approvers' logins as they wrote them.
    fn current_approvers_cased(&self) -> BTreeSet<String> {
        self.approvals.values().map(|a| a.login.clone()).collect()
    }

    /// Upstream `UnapprovedFiles`: the OWNERS files none of whose approvers approved.
    pub fn unapproved_files(&self) -> BTreeSet<String> {
        let current: BTreeSet<String> = self
            .current_approvers_cased()
            .iter()
            .map(|l| l.to_lowercase())
            .collect();
        self.owners
            .files
            .iter()
            .filter(|f| self.owners.owners_set.contains(&f.owners_file))
            .filter(|f| {
                f.approvers
                    .iter()
                    .all(|a| !current.contains(&a.to_lowercase()))
            })
            .map(|f| f.owners_file.clone())
            .collect()
    }

    /// Upstream `AreFilesApproved`: a PR that changes nothing is not approved.
    pub fn are_files_approved(&self) -> bool {
        !self.owners.files.is_empty() && self.unapproved_files().is_empty()
    }

    /// Upstream `NoIssueApprovers`: `no-issue` approvals of people who approve some file.
    pub fn no_issue_approvers(&self) -> BTreeMap<String, &Approval> {
        let reverse = Owners::reverse(&self.owners.approvers());
        self.approvals
            .iter()
            .filter(|(login, approval)| {
                approval.no_issue && reverse.get(*login).is_some_and(|f| !f.is_empty())
            })
            .map(|(login, approval)| (login.clone(), approval))
            .collect()
    }

    pub fn requirements_met(&self) -> bool {
        self.are_files_approved()
            && (!self.require_issue
                || self.associated_issue != 0
                || !self.no_issue_approvers().is_empty())
    }

    /// Whether upstream would ask if a human added the label (it asks only then).
    pub fn needs_manual_approval_check(&self) -> bool {
        !self.requirements_met()
    }

    pub fn is_approved(&self) -> bool {
        self.requirements_met() || self.manually_approved
    }

    /// Every approval, by lower-case login (people who approve no file included).
    pub fn list_approvals(&self) -> Vec<&Approval> {
        self.approvals.values().collect()
    }

    /// Upstream `GetFilesApprovers`: per OWNERS file, the approvals (as written) of its
    /// approvers.
    fn files_approvers(&self) -> BTreeMap<String, BTreeSet<String>> {
        let current = self.current_approvers_cased();
        self.owners
            .approvers()
            .into_iter()
            .map(|(owners_file, potential)| {
                let lower: BTreeSet<String> = potential.iter().map(|p| p.to_lowercase()).collect();
                let approved = current
                    .iter()
                    .filter(|c| lower.contains(&c.to_lowercase()))
                    .cloned()
                    .collect();
                (owners_file, approved)
            })
            .collect()
    }

    /// Upstream `GetCCs`: whom to suggest, current approvers and assignees considered.
    pub fn ccs(&self) -> Vec<String> {
        let randomized = self.owners.shuffled_approvers();
        let current = self.current_approvers();
        let approvers_and_assignees: BTreeSet<String> =
            current.union(&self.assignees).cloned().collect();
        let leaf_reverse = Owners::reverse(&self.owners.leaf_approvers());
        let suggested =
            self.owners
                .keep_covering(&leaf_reverse, &approvers_and_assignees, &randomized);
        let approvers_and_suggested: BTreeSet<String> =
            current.union(&suggested).cloned().collect();
        let everyone: Vec<String> = approvers_and_suggested
            .union(&self.assignees)
            .cloned()
            .collect();
        let full_reverse = Owners::reverse(&self.owners.approvers());
        let keep_assignees =
            self.owners
                .keep_covering(&full_reverse, &approvers_and_suggested, &everyone);
        suggested.union(&keep_assignees).cloned().collect()
    }

    /// The notifier comment (upstream `GetMessage`), for the repository at `base_url`
    /// (`https://github.com/org/repo`) and its `branch`.
    pub fn message(&self, links: &Links<'_>) -> String {
        let ccs = self.ccs();
        let assigned: Vec<&String> = ccs.iter().filter(|c| self.assignees.contains(*c)).collect();
        let suggested: Vec<&String> = ccs
            .iter()
            .filter(|c| !self.assignees.contains(*c))
            .collect();
        let files_approved = self.are_files_approved();
        let manual = self.manually_approved;
        let requirements_met = self.requirements_met();
        let people = |logins: &[&String]| {
            logins
                .iter()
                .map(|l| format!("[{l}](https://github.com/{l})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let approvals = |list: &[&Approval]| {
            if list.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = list.iter().map(|a| a.to_string()).collect();
                format!(" {}", shown.join(", "))
            }
        };
        let process = links.pr_process;

        let mut out = String::new();
        if !requirements_met && manual {
            out.push_str("\nApproval requirements bypassed by manually added approval.\n\n");
        }
        out.push_str("This pull-request has been approved by:");
        out.push_str(&approvals(&self.list_approvals()));
        if !files_approved && !manual {
            out.push('\n');
            if !suggested.is_empty() {
                if !assigned.is_empty() {
                    let _ = write!(
                        out,
                        "**Once this PR has been reviewed and has the lgtm label**, please ask for approval from {} and additionally assign {} for approval. For more information see [the Code Review Process]({process}).",
                        people(&assigned),
                        people(&suggested)
                    );
                } else {
                    let _ = write!(
                        out,
                        "**Once this PR has been reviewed and has the lgtm label**, please assign {} for approval. For more information see [the Code Review Process]({process}).",
                        people(&suggested)
                    );
                }
            } else if !assigned.is_empty() {
                let _ = write!(
                    out,
                    "**Once this PR has been reviewed and has the lgtm label**, please ask for approval from {}. For more information see [the Code Review Process]({process}).",
                    people(&assigned)
                );
            }
        }
        out.push_str("\n\n");
        if self.require_issue {
            let no_issue: Vec<&Approval> = self.no_issue_approvers().into_values().collect();
            if self.associated_issue != 0 {
                let _ = write!(out, "Associated issue: *#{}*\n\n", self.associated_issue);
            } else if !no_issue.is_empty() {
                out.push_str("Associated issue requirement bypassed by:");
                out.push_str(&approvals(&no_issue));
                out.push_str("\n\n");
            } else if manual {
                out.push_str(
                    "*No associated issue*. Requirement bypassed by manually added approval.\n\n",
                );
            } else {
                out.push_str("*No associated issue*. Update pull-request body to add a reference to an issue, or get approval with `/approve no-issue`\n\n");
            }
        }
        let _ = write!(
            out,
            "The full list of commands accepted by this bot can be found [here]({}?repo={}%2F{}).\n\n",
            links.command_help, links.org, links.repo
        );
        if files_approved || manual {
            let _ = write!(
                out,
                "The pull request process is described [here]({process})\n\n"
            );
        }
        out.push_str("<details ");
        if !files_approved && !manual {
            out.push_str("open");
        }
        out.push_str(">\nNeeds approval from an approver in each of these files:\n\n");
        let unapproved = self.unapproved_files();
        let files_approvers = self.files_approvers();
        let owners_filename = &self.owners.repo.filenames().owners;
        for owners_file in &self.owners.owners_set {
            let approvers = files_approvers
                .get(owners_file)
                .cloned()
                .unwrap_or_default();
            out.push_str(&file_line(
                links,
                owners_file,
                owners_filename,
                &approvers,
                !unapproved.contains(owners_file),
            ));
        }
        out.push_str("\nApprovers can indicate their approval by writing `/approve` in a comment\nApprovers can cancel approval by writing `/approve cancel` in a comment\n</details>");
        let meta = serde_json::json!({ "approvers": ccs });
        let _ = write!(out, "\n<!-- META={meta} -->");

        let title = if self.is_approved() {
            "This PR is **APPROVED**"
        } else {
            "This PR is **NOT APPROVED**"
        };
        let mut notification = format!("[{}] {title}", NOTIFICATION_NAME.to_uppercase());
        let context = out.trim();
        if !context.is_empty() {
            notification.push_str("\n\n");
            notification.push_str(context);
        }
        notification
    }
}

/// Where the notifier's links go.
pub struct Links<'a> {
    /// `https://github.com/org/repo` (upstream: `github.link_url` with the repo as its path).
    pub base_url: &'a str,
    pub branch: &'a str,
    pub command_help: &'a str,
    pub pr_process: &'a str,
    pub org: &'a str,
    pub repo: &'a str,
}

/// One OWNERS file's line of the notifier (upstream `ApprovedFile` / `UnapprovedFile`).
fn file_line(
    links: &Links<'_>,
    owners_file: &str,
    owners_filename: &str,
    approvers: &BTreeSet<String>,
    approved: bool,
) -> String {
    let full_path = if owners_file.ends_with(".md") {
        owners_file.to_string()
    } else if canonicalize(owners_file).is_empty() {
        owners_filename.to_string()
    } else {
        format!("{owners_file}/{owners_filename}")
    };
    let link = format!("{}/blob/{}/{full_path}", links.base_url, links.branch);
    let names = approvers.iter().cloned().collect::<Vec<_>>().join(",");
    if approved {
        format!("- ~~[{full_path}]({link})~~ [{names}]\n")
    } else if !approvers.is_empty() {
        format!("- **[{full_path}]({link})** [{names}]\n  > Need more approvers for rest parts.\n")
    } else {
        format!("- **[{full_path}]({link})**\n")
    }
}

#[cfg(test)]
mod tests;
