//! Who a REST call acts as, read from its token, and the permission checks GitHub makes before
//! letting a person change something.
//!
//! `Authorization: token <login>` (or `Bearer <login>`) where `<login>` is a person in the world
//! acts as that person; an App installation token acts as `<app-slug>[bot]`; any other token (or
//! none) acts as the world's bot. Only people are checked: the bot and Apps are trusted with
//! everything, as Prow's bot account usually is.
//!
//! What a person is refused, with GitHub's 403 `Must have admin rights to Repository.`:
//! - adding or removing labels, adding or removing assignees: triage or more;
//! - editing someone else's issue or pull request (title, body, state), or any milestone
//!   change: triage or more (authors may edit and close their own);
//! - editing or deleting someone else's comment, setting a commit status, merging: write or
//!   more.
//!
//! Labels and assignees sent with a new issue by someone without triage are dropped silently,
//! and approving or requesting changes on one's own pull request is GitHub's 422. Permissions
//! come from the repository's collaborators and the teams with access to it (the owner and the
//! org's admins are admin); org membership alone gives none beyond reading. Comments, reviews,
//! requested reviewers and new pull requests are open to everyone, as on a public repository.
//!
//! Changing an org's profile, members and teams needs an admin of the org (anyone, while the
//! org has no admins in the world); a repository's settings and branch protection need admin on
//! the repository (GitHub's `Must have admin rights to Repository.` again).

use crate::AppState;
use crate::routes::{error, lock, not_found};
use crate::world::{Permission, World};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

/// GitHub's answer when a user lacks the permission a write needs.
pub(crate) const FORBIDDEN: &str = "Must have admin rights to Repository.";

/// The account a call acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Actor {
    pub(crate) login: String,
    /// A person (checked) rather than the bot or an App (trusted).
    pub(crate) person: bool,
}

/// What a token names.
pub(crate) enum Credential {
    /// No `Authorization` header.
    Missing,
    /// A token that names no person, App installation or configured bot token.
    Unknown,
    Known(Actor),
}

/// The token of an `Authorization: token …` or `Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::trim)
}

impl World {
    /// What `token` acts as. Organisations are accounts too, but nobody signs in as one, so a
    /// token naming an org acts as the bot.
    pub(crate) fn credential(&self, token: Option<&str>) -> Credential {
        let Some(token) = token else {
            return Credential::Missing;
        };
        if let Some((app, _)) = self.installation_tokens.get(token) {
            let login = self
                .apps
                .get(app)
                .map_or_else(|| self.bot.clone(), |a| format!("{}[bot]", a.slug));
            return Credential::Known(Actor {
                login,
                person: false,
            });
        }
        if let Some(login) = self.oauth_tokens.get(token) {
            return Credential::Known(Actor {
                login: login.clone(),
                person: true,
            });
        }
        if token != self.bot
            && let Some(user) = self.users.get(token)
            && !self.orgs.contains_key(token)
        {
            return Credential::Known(Actor {
                login: user.login.clone(),
                person: user.kind == "User",
            });
        }
        if self.bot_tokens.is_empty() || self.bot_tokens.contains(token) || token == self.bot {
            return Credential::Known(self.bot_actor());
        }
        Credential::Unknown
    }

    fn bot_actor(&self) -> Actor {
        Actor {
            login: self.bot.clone(),
            person: false,
        }
    }

    /// `login`'s permission on `full_name`: the owner's and the owning org's admins' is admin;
    /// otherwise the highest of theirs as a collaborator and their teams'. Organisation
    /// membership alone grants none (GitHub's base permission is read).
    pub fn permission_of(&self, full_name: &str, login: &str) -> Option<Permission> {
        let repo = self.repo(full_name)?;
        if repo.owner == login
            || self
                .orgs
                .get(&repo.owner)
                .is_some_and(|o| o.admins.contains(login))
        {
            return Some(Permission::Admin);
        }
        let through_team = self.team_permission(full_name, login).map(|p| match p {
            "admin" => Permission::Admin,
            "maintain" => Permission::Maintain,
            "push" | "write" => Permission::Write,
            "triage" => Permission::Triage,
            _ => Permission::Read,
        });
        repo.collaborators.get(login).copied().max(through_team)
    }
}

impl Actor {
    /// Whether the actor has at least `needed` on `full_name` (the bot and Apps always do).
    pub(crate) fn may(&self, world: &World, full_name: &str, needed: Permission) -> bool {
        !self.person
            || world
                .permission_of(full_name, &self.login)
                .is_some_and(|p| p >= needed)
    }

    /// `Ok` when the actor has `needed`, else GitHub's 403.
    pub(crate) fn require(
        &self,
        world: &World,
        full_name: &str,
        needed: Permission,
    ) -> Result<(), Box<Response>> {
        if self.may(world, full_name, needed) {
            Ok(())
        } else {
            Err(Box::new(error(StatusCode::FORBIDDEN, FORBIDDEN)))
        }
    }

    /// `Ok` when issue `number` of `full_name` exists (else GitHub's 404) and the actor has
    /// `needed` on the repository (else GitHub's 403).
    pub(crate) fn require_on_issue(
        &self,
        world: &World,
        full_name: &str,
        number: u64,
        needed: Permission,
    ) -> Result<(), Box<Response>> {
        if world.issue(full_name, number).is_none() {
            return Err(Box::new(not_found()));
        }
        self.require(world, full_name, needed)
    }
}

impl Actor {
    /// `Ok` when the actor may administer `org`, else GitHub's 403.
    pub(crate) fn require_org_admin(&self, world: &World, org: &str) -> Result<(), Box<Response>> {
        if !self.person || world.administers(org, &self.login) {
            Ok(())
        } else {
            Err(Box::new(error(
                StatusCode::FORBIDDEN,
                "You must be an admin to perform this action.",
            )))
        }
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = Response;

    /// Unknown tokens are refused by the accounting middleware before a handler runs (when bot
    /// tokens are configured), so what is left acts as the bot.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let world = lock(state);
        match world.credential(bearer(&parts.headers)) {
            Credential::Known(actor) => Ok(actor),
            Credential::Missing | Credential::Unknown => Ok(world.bot_actor()),
        }
    }
}
