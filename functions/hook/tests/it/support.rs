//! A plugin test bench: the GitHub stand-in over HTTP (its world seeded by the test), hook's real
//! router with the built-in plugins, and GitHub reached through the octocrab adapter. What
//! happens in the world queues the webhooks GitHub would send; [`Bench::settle`] hands each to
//! every plugin as the broker does (a CloudEvent signed as GitHub signs it, posted to
//! `/plugins/{name}`) until no more come, so a plugin's own changes (a label it adds) reach the
//! plugins again as on GitHub.

use github_standin::{Call, GitHubStandIn, Issue, Permission, World};
use hook::{Handoff, Hook, HookOptions, PluginRegistry};
use prow_github_octocrab::OctocrabGitHub;
use prow_ports::events::CloudEvent;
use prow_runtime::{ConfigHandle, Metrics};
use std::sync::{Arc, MutexGuard};

pub const BOT: &str = "k8s-ci-robot";
/// The repository of [`world`].
pub const REPO: &str = "acme/widgets";
const SECRET: &[u8] = b"plugin-bench-secret";

pub struct Bench {
    pub standin: GitHubStandIn,
    router: axum::Router,
    plugins: Vec<&'static str>,
    _secret: tempfile::NamedTempFile,
}

/// What one plugin answered for one delivery.
#[derive(Clone, Debug)]
#[expect(dead_code, reason = "read in failure messages through Debug")]
pub struct Answer {
    pub plugin: &'static str,
    pub event: String,
    pub status: u16,
    pub body: String,
}

impl Bench {
    /// The bench over `world` (its bot is [`BOT`]) with `plugins_yaml` as the plugin config.
    pub async fn start(world: World, plugins_yaml: &str) -> Bench {
        Bench::start_with(world, "", plugins_yaml).await
    }

    /// [`Bench::start`] with a `config.yaml` too (for plugins that read jobs or tide's settings).
    pub async fn start_with(world: World, config_yaml: &str, plugins_yaml: &str) -> Bench {
        Bench::start_full(world, config_yaml, plugins_yaml, None).await
    }

    /// [`Bench::start_with`] with somewhere for config-updater to write.
    pub async fn start_full(
        world: World,
        config_yaml: &str,
        plugins_yaml: &str,
        config_maps: Option<Arc<dyn prow_ports::config_maps::ConfigMaps>>,
    ) -> Bench {
        let standin = GitHubStandIn::start(world).await.unwrap();
        standin.world().outbox.clear();
        let metrics = Arc::new(Metrics::new("hook"));
        let github =
            OctocrabGitHub::with_token(&standin.url(), "ghp_bench", "hook", &metrics).unwrap();
        let secret = secret_file(SECRET);
        let registry = PluginRegistry::for_hook();
        let plugins = registry.names();
        let config = prow_test_harness::strict_config(config_yaml, "", Some(plugins_yaml));
        let hook = Hook::new(
            ConfigHandle::new(config),
            &metrics,
            HookOptions {
                github: Some(Arc::new(github)),
                config_maps,
                // Deliveries come to the plugin routes as the broker delivers them.
                ..HookOptions::new(secret.path().to_path_buf(), Handoff::InProcess, registry)
            },
        )
        .unwrap();
        Bench {
            standin,
            router: hook.router(),
            plugins,
            _secret: secret,
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.standin.world()
    }

    /// Hands every queued webhook to every plugin, `times` times each (an at-least-once broker
    /// may deliver twice), until no more come; every answer, in order.
    pub async fn settle_delivering(&self, times: usize) -> Vec<Answer> {
        let mut answers = Vec::new();
        for _ in 0..20 {
            let pending: Vec<_> = std::mem::take(&mut self.world().outbox);
            if pending.is_empty() {
                return answers;
            }
            for delivery in pending {
                answers.extend(
                    self.deliver(&delivery.id, &delivery.event, &delivery.body, times)
                        .await,
                );
            }
        }
        panic!("the plugins kept changing the world: {answers:#?}");
    }

    /// Hands one webhook (`event` is its `X-GitHub-Event`), signed as GitHub signs it, to every
    /// plugin `times` times; every answer, in order.
    pub async fn deliver(&self, id: &str, event: &str, body: &[u8], times: usize) -> Vec<Answer> {
        let payload: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let repo = payload["repository"]["full_name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let cloud_event =
            prow_test_harness::events::github_event(id, event, &repo, body.to_vec(), Some(SECRET))
                .unwrap();
        let mut answers = Vec::new();
        for plugin in &self.plugins {
            for _ in 0..times {
                answers.push(self.post_to_plugin(plugin, event, &cloud_event).await);
            }
        }
        answers
    }

    /// Posts `cloud_event` (named `event` in the answer) to `plugin`'s route, as the broker does.
    async fn post_to_plugin(
        &self,
        plugin: &'static str,
        event: &str,
        cloud_event: &CloudEvent,
    ) -> Answer {
        let (status, body) = prow_test_harness::events::post_event_to(
            &self.router,
            &format!("/plugins/{plugin}"),
            cloud_event,
        )
        .await
        .unwrap();
        Answer {
            plugin,
            event: event.to_string(),
            status,
            body,
        }
    }

    /// Posts a webhook to `POST /hook` as GitHub does (signed, with its headers); the status.
    pub async fn post_webhook(&self, id: &str, event: &str, body: &[u8]) -> u16 {
        use tower::ServiceExt;
        let request = axum::http::Request::post("/hook")
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", id)
            .header(
                "X-Hub-Signature-256",
                github_standin::signature(SECRET, body),
            )
            .header("Content-Type", "application/json")
            .body(axum::body::Body::from(body.to_vec()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        response.status().as_u16()
    }

    /// [`Bench::settle_delivering`] once each; every answer must be a success.
    pub async fn settle(&self) -> Vec<Answer> {
        let answers = self.settle_delivering(1).await;
        for answer in &answers {
            assert_eq!(answer.status, 200, "{answer:?}");
        }
        answers
    }

    /// The labels of `repo#number` now.
    pub fn labels(&self, repo: &str, number: u64) -> Vec<String> {
        let mut labels = self
            .world()
            .issue(repo, number)
            .map(|i| i.labels.clone())
            .unwrap_or_default();
        labels.sort();
        labels
    }

    /// The comments of `repo#number`: (author, body).
    pub fn comments(&self, repo: &str, number: u64) -> Vec<(String, String)> {
        self.world()
            .issue(repo, number)
            .map(|i| {
                i.comments
                    .iter()
                    .map(|c| (c.author.clone(), c.body.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The bot's comments on `repo#number`.
    pub fn bot_comments(&self, repo: &str, number: u64) -> Vec<String> {
        self.comments(repo, number)
            .into_iter()
            .filter(|(author, _)| author == BOT)
            .map(|(_, body)| body)
            .collect()
    }

    /// The bot's comments on `repo#number` that start with `prefix`.
    pub fn bot_comments_starting(&self, repo: &str, number: u64, prefix: &str) -> Vec<String> {
        self.bot_comments(repo, number)
            .into_iter()
            .filter(|c| c.starts_with(prefix))
            .collect()
    }

    /// `who` comments `body` on [`REPO`]`#number`.
    pub fn comment(&self, number: u64, who: &str, body: &str) {
        self.world().comment(REPO, number, who, body);
    }

    /// [`REPO`]`#number` as it is now.
    pub fn issue(&self, number: u64) -> Issue {
        self.world().issue(REPO, number).cloned().unwrap()
    }

    /// Every call that changed something (not a GET), in order.
    pub fn writes(&self) -> Vec<Call> {
        self.standin
            .calls()
            .into_iter()
            .filter(|c| c.method != "GET")
            .collect()
    }

    /// How many of the [`Bench::writes`] `matches`.
    pub fn count_writes(&self, matches: impl Fn(&Call) -> bool) -> usize {
        self.writes().iter().filter(|c| matches(c)).count()
    }

    /// How many writes added or removed a label.
    pub fn label_writes(&self) -> usize {
        self.count_writes(|c| c.uri.contains("/labels"))
    }

    /// How many calls of any method, reads included, `matches`.
    pub fn count_calls(&self, matches: impl Fn(&Call) -> bool) -> usize {
        self.standin.calls().iter().filter(|c| matches(c)).count()
    }

    /// Forgets the calls made so far (to count those of the next step).
    pub fn forget_calls(&self) {
        self.world().calls.clear();
    }

    /// Posts a PingSource's ping to `plugin`'s route, as the periodic sweeps are woken.
    pub async fn ping(&self, plugin: &'static str) -> Answer {
        let event = prow_ports::events::ping_event(
            "ping-1".to_string(),
            "2026-01-01T00:00:00Z".to_string(),
        )
        .unwrap();
        self.post_to_plugin(plugin, "ping", &event).await
    }
}

/// A world with the bot, org `acme` whose members are `members`, and repo [`REPO`].
pub fn world(members: &[&str]) -> World {
    let mut world = World::new(BOT);
    let mut all: Vec<&str> = members.to_vec();
    all.push(BOT);
    world.add_org("acme", &all);
    world.add_repo(REPO);
    world
}

/// [`world`] whose [`REPO`] has `owners` as its root OWNERS file and `collaborators` who may
/// write.
pub fn world_with_owners(members: &[&str], owners: &str, collaborators: &[&str]) -> World {
    let mut world = world(members);
    world.push(REPO, "main", "owners", &[("OWNERS", owners)]);
    for login in collaborators {
        world.add_collaborator(REPO, login, Permission::Write);
    }
    world
}

/// Opens alice's pull request "Add a widget" (one file, `w.go`) on [`REPO`]; its number.
pub fn open_widget_pr(world: &mut World) -> u64 {
    world.open_pull_request(
        REPO,
        "alice",
        "feature",
        "Add a widget",
        &[("w.go", "package w")],
    )
}

/// The head commit of pull request [`REPO`]`#number`.
pub fn head_sha(world: &World, number: u64) -> String {
    let pull = world.issue(REPO, number).and_then(|i| i.pull.as_ref());
    pull.unwrap().head_sha.clone()
}

/// A temporary file holding `secret`, for `--hmac-secret-file`.
pub fn secret_file(secret: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), secret).unwrap();
    file
}
