//! peribolos' YAML (upstream `pkg/config/org`): `orgs: {<org>: ...}` with the org's settings,
//! admins and members, teams (nested, with maintainers, members, privacy, previous names and
//! repository permissions) and repositories. Every setting is optional: absent means "leave as
//! it is". Fields are declared in alphabetical order so that `--dump` writes keys as upstream
//! does.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullConfig {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub orgs: BTreeMap<String, OrgConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admins: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_repository_permission: Option<RepoPermission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_organization_projects: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_repository_projects: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_can_create_repositories: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repos: BTreeMap<String, RepoConfig>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub teams: BTreeMap<String, TeamConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    Closed,
    Secret,
}

impl Privacy {
    pub fn as_github(self) -> &'static str {
        match self {
            Privacy::Closed => "closed",
            Privacy::Secret => "secret",
        }
    }

    pub fn from_github(text: &str) -> Option<Privacy> {
        match text {
            "closed" => Some(Privacy::Closed),
            "secret" => Some(Privacy::Secret),
            _ => None,
        }
    }
}

/// A permission level as peribolos writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoPermission {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl RepoPermission {
    pub fn to_port(self) -> prow_ports::github::Permission {
        use prow_ports::github::Permission;
        match self {
            RepoPermission::None => Permission::None,
            RepoPermission::Read => Permission::Read,
            RepoPermission::Triage => Permission::Triage,
            RepoPermission::Write => Permission::Write,
            RepoPermission::Maintain => Permission::Maintain,
            RepoPermission::Admin => Permission::Admin,
        }
    }

    pub fn from_port(permission: prow_ports::github::Permission) -> RepoPermission {
        use prow_ports::github::Permission;
        match permission {
            Permission::None => RepoPermission::None,
            Permission::Read => RepoPermission::Read,
            Permission::Triage => RepoPermission::Triage,
            Permission::Write => RepoPermission::Write,
            Permission::Maintain => RepoPermission::Maintain,
            Permission::Admin => RepoPermission::Admin,
        }
    }

    /// The org default GitHub stores (`read`, `write`, `admin`, `none`).
    pub fn as_org_default(self) -> &'static str {
        match self {
            RepoPermission::None => "none",
            RepoPermission::Read | RepoPermission::Triage => "read",
            RepoPermission::Write | RepoPermission::Maintain => "write",
            RepoPermission::Admin => "admin",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// Names the team had: a team found under one of them is renamed, not recreated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previously: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub repos: BTreeMap<String, RepoPermission>,
    /// Child teams.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub teams: BTreeMap<String, TeamConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    Private,
    Internal,
}

impl Visibility {
    pub fn as_github(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::Internal => "internal",
        }
    }

    pub fn from_github(text: &str) -> Option<Visibility> {
        match text {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            "internal" => Some(Visibility::Internal),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_merge_commit: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_rebase_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_squash_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Accepted as upstream writes it; peribolos here does not manage collaborators.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub collaborators: BTreeMap<String, RepoPermission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_issues: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_projects: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_wiki: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Creation-only settings (`auto_init`, templates): kept, not compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_create: Option<OnCreate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previously: Vec<String>,
    /// The older form of `visibility` (`true` is private).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// `on_create`, typed so that its keys are checked too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCreate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_init: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitignore_template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_template: Option<String>,
}

impl RepoConfig {
    /// The visibility asked for, from `visibility` or the older `private`; both is an error.
    pub fn wanted_visibility(&self) -> Result<Option<Visibility>, String> {
        match (self.visibility, self.private) {
            (Some(_), Some(_)) => Err("give visibility or private, not both".into()),
            (Some(v), None) => Ok(Some(v)),
            (None, Some(true)) => Ok(Some(Visibility::Private)),
            (None, Some(false)) => Ok(Some(Visibility::Public)),
            (None, None) => Ok(None),
        }
    }
}
