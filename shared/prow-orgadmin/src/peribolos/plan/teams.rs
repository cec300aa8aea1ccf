//! The teams part of a plan: teams created, edited, renamed or deleted, and their members
//! and repositories, walked from the configured tree.

use super::*;

/// The GitHub team a configured team is (by name, then previous names; the oldest of teams
/// sharing a name).
fn find_team<'a>(
    names: &BTreeMap<&'a str, &'a TeamState>,
    name: &str,
    previously: &[String],
) -> Option<&'a TeamState> {
    std::iter::once(name)
        .chain(previously.iter().map(String::as_str))
        .find_map(|n| names.get(n).copied())
}

pub(super) fn teams(
    org: &str,
    want: &OrgConfig,
    have: &OrgState,
    options: &Options,
    plan: &mut Plan,
) -> Result<(), PlanError> {
    check_team_names(want)?;
    let visible: Vec<&TeamState> = have
        .teams
        .iter()
        .filter(|t| !(options.ignore_secret_teams && t.info.privacy == "secret"))
        .collect();
    let mut names: BTreeMap<&str, &TeamState> = BTreeMap::new();
    for team in &visible {
        let entry = names.entry(team.info.name.as_str()).or_insert(team);
        if team.info.id < entry.info.id {
            *entry = team;
        }
    }
    let mut used = BTreeSet::new();
    fn mark<'a>(
        teams: &'a BTreeMap<String, TeamConfig>,
        names: &BTreeMap<&str, &'a TeamState>,
        used: &mut BTreeSet<String>,
    ) {
        for (name, team) in teams {
            if let Some(found) = find_team(names, name, &team.previously) {
                used.insert(found.info.slug.clone());
            }
            mark(&team.teams, names, used);
        }
    }
    mark(&want.teams, &names, &mut used);
    let unused: Vec<&TeamState> = visible
        .iter()
        .filter(|t| !used.contains(&t.info.slug))
        .copied()
        .collect();
    if !visible.is_empty() {
        let fraction = unused.len() as f64 / visible.len() as f64;
        if fraction > options.maximum_removal_delta {
            return Err(PlanError::TooManyTeamRemovals {
                org: org.into(),
                count: unused.len(),
                fraction,
                limit: options.maximum_removal_delta,
            });
        }
    }
    let ids: BTreeMap<u64, &str> = have
        .teams
        .iter()
        .map(|t| (t.info.id, t.info.slug.as_str()))
        .collect();
    let mut repo_changes = Vec::new();
    let mut walker = TeamWalker {
        bot: have.bot.clone(),
        names: &names,
        ids: &ids,
        options,
        plan,
        repo_changes: &mut repo_changes,
    };
    for (name, team) in &want.teams {
        walker.team(name, team, None)?;
    }
    for team in unused {
        plan.changes.push(OrgChange::DeleteTeam {
            slug: team.info.slug.clone(),
        });
    }
    plan.changes.extend(repo_changes);
    Ok(())
}

struct TeamWalker<'a, 'p> {
    bot: String,
    names: &'a BTreeMap<&'a str, &'a TeamState>,
    ids: &'a BTreeMap<u64, &'a str>,
    options: &'a Options,
    plan: &'p mut Plan,
    repo_changes: &'p mut Vec<OrgChange>,
}

impl TeamWalker<'_, '_> {
    fn team(
        &mut self,
        name: &str,
        config: &TeamConfig,
        parent: Option<&TeamRef>,
    ) -> Result<(), PlanError> {
        let nested = parent.is_some() || !config.teams.is_empty();
        let found = find_team(self.names, name, &config.previously);
        let team_ref = match found {
            None => {
                self.plan.changes.push(OrgChange::CreateTeam {
                    name: name.to_string(),
                    description: config.description.clone(),
                    privacy: config.privacy.or(nested.then_some(Privacy::Closed)),
                    parent: parent.cloned(),
                });
                TeamRef::New(name.to_string())
            }
            Some(state) => {
                let team_ref = TeamRef::Existing(state.info.slug.clone());
                let current_privacy = Privacy::from_github(&state.info.privacy);
                let privacy = match config.privacy {
                    Some(wanted) if Some(wanted) != current_privacy => Some(wanted),
                    None if nested && current_privacy != Some(Privacy::Closed) => {
                        Some(Privacy::Closed)
                    }
                    _ => None,
                };
                let description = config
                    .description
                    .clone()
                    .filter(|d| *d != state.info.description);
                let current_parent = state
                    .info
                    .parent
                    .and_then(|id| self.ids.get(&id))
                    .map(|slug| TeamRef::Existing((*slug).to_string()));
                let parent_change = (current_parent.as_ref() != parent).then(|| parent.cloned());
                if state.info.name != name
                    || description.is_some()
                    || privacy.is_some()
                    || parent_change.is_some()
                {
                    self.plan.changes.push(OrgChange::EditTeam {
                        team: team_ref.clone(),
                        name: name.to_string(),
                        description,
                        privacy,
                        parent: parent_change,
                    });
                }
                team_ref
            }
        };
        if self.options.fix_team_members {
            // GitHub makes a person who creates a team its maintainer (an App it does not).
            let created = TeamState {
                maintainers: (!self.bot.is_empty() && !self.bot.ends_with("[bot]"))
                    .then(|| self.bot.clone())
                    .into_iter()
                    .collect(),
                ..TeamState::default()
            };
            let state = found.unwrap_or(&created);
            let invitees = counted_invitees(self.options, &state.invitees);
            let changes = memberships(
                Roles {
                    members: &config.members,
                    super_: &config.maintainers,
                },
                Roles {
                    members: &state.members,
                    super_: &state.maintainers,
                },
                &invitees,
                self.plan,
            )?;
            changes.into_plan(
                self.plan,
                |login, maintainer| OrgChange::SetTeamMember {
                    team: team_ref.clone(),
                    login,
                    role: if maintainer {
                        TeamRole::Maintainer
                    } else {
                        TeamRole::Member
                    },
                },
                |login| OrgChange::RemoveTeamMember {
                    team: team_ref.clone(),
                    login,
                },
            );
        }
        if self.options.fix_team_repos {
            let have = found.map(|s| s.repos.clone()).unwrap_or_default();
            for (repo, level) in &config.repos {
                let wanted = level.to_port();
                match (wanted, have.get(repo)) {
                    (Permission::None, Some(_)) => {
                        self.repo_changes.push(OrgChange::RemoveTeamRepo {
                            team: team_ref.clone(),
                            repo: repo.clone(),
                        })
                    }
                    (Permission::None, None) => {}
                    (wanted, held) if held != Some(&wanted) => {
                        self.repo_changes.push(OrgChange::SetTeamRepo {
                            team: team_ref.clone(),
                            repo: repo.clone(),
                            permission: wanted,
                        })
                    }
                    _ => {}
                }
            }
            for repo in have.keys().filter(|r| !config.repos.contains_key(*r)) {
                self.repo_changes.push(OrgChange::RemoveTeamRepo {
                    team: team_ref.clone(),
                    repo: repo.clone(),
                });
            }
        }
        for (child_name, child) in &config.teams {
            self.team(child_name, child, Some(&team_ref))?;
        }
        Ok(())
    }
}
