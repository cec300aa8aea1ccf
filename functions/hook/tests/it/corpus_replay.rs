//! Every webhook in `../shared/corpus/github-webhooks` (GitHub's own examples, 120-odd of
//! them, of every event type) through hook with every built-in plugin enabled: the intake
//! acknowledges each, and no plugin answers any with a 5xx or panics. Twice, as a broker may
//! deliver, with GitHub reached over HTTP through the stand-in holding the issue and pull
//! request the payloads name.

use crate::support::{BOT, Bench};
use github_standin::World;
use hook::PluginRegistry;
use prow_test_harness::standin_world::{HELLO_WORLD, open_corpus_issue_and_pull};

/// The organisations and users whose repositories the payloads name.
const OWNERS: [&str; 6] = [
    "Codertocat",
    "octo-org",
    "octocat",
    "github",
    "Octocoders",
    "electron",
];

fn every_plugin_everywhere() -> String {
    let names = PluginRegistry::for_hook().names().join(", ");
    let mut yaml = String::from("plugins:\n");
    for owner in OWNERS {
        yaml.push_str(&format!("  {owner}: {{plugins: [{names}]}}\n"));
    }
    yaml
}

#[tokio::test]
async fn every_corpus_webhook_is_handled_by_every_plugin_without_a_server_error() {
    let Some(corpus) = prow_test_harness::corpus("github-webhooks") else {
        return;
    };
    let mut world = World::new(BOT);
    world.add_org("octo-org", &["octocat"]);
    for repo in [HELLO_WORLD, "octo-org/octo-repo"] {
        world.add_repo(repo);
    }
    // Issue 1 and pull request 2, as the payloads name them.
    open_corpus_issue_and_pull(&mut world);
    let bench = Bench::start(world, &every_plugin_everywhere()).await;

    let mut payloads = Vec::new();
    for dir in std::fs::read_dir(corpus.join("github-webhooks"))
        .unwrap()
        .flatten()
    {
        if dir.path().is_dir() {
            let event = dir.file_name().to_string_lossy().into_owned();
            for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
                payloads.push((event.clone(), file.path()));
            }
        }
    }
    payloads.sort();
    assert!(payloads.len() > 100, "{} payloads", payloads.len());

    let mut answered = 0;
    for (i, (event, path)) in payloads.iter().enumerate() {
        let body = std::fs::read(path).unwrap();
        let id = format!("corpus-{i:03}");
        let status = bench.post_webhook(&id, event, &body).await;
        assert!(status < 300, "{}: hook answered {status}", path.display());
        for answer in bench.deliver(&id, event, &body, 2).await {
            assert!(
                answer.status < 500,
                "{}: {} answered {}: {}",
                path.display(),
                answer.plugin,
                answer.status,
                answer.body
            );
            answered += 1;
        }
        // What the plugins did fires webhooks of its own; they are not replayed here.
        bench.world().outbox.clear();
    }
    assert_eq!(
        answered,
        payloads.len() * PluginRegistry::for_hook().names().len() * 2
    );

    // The comments again, saying each command a plugin answers (the corpus's own comments say
    // none), by their real authors.
    let mut commanded = 0;
    for (i, (_, path)) in payloads
        .iter()
        .filter(|(event, _)| event == "issue_comment")
        .enumerate()
    {
        let original: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        for (j, command) in COMMANDS.iter().enumerate() {
            let mut payload = original.clone();
            payload["comment"]["body"] = serde_json::json!(command);
            let body = serde_json::to_vec(&payload).unwrap();
            for answer in bench
                .deliver(&format!("command-{i}-{j}"), "issue_comment", &body, 1)
                .await
            {
                assert!(
                    answer.status < 500,
                    "{} saying {command:?}: {} answered {}: {}",
                    path.display(),
                    answer.plugin,
                    answer.status,
                    answer.body
                );
                commanded += usize::from(!answer.body.contains("does not apply"));
            }
            bench.world().outbox.clear();
        }
    }
    assert!(commanded > 0);
}

/// A command for every plugin, well formed or not.
const COMMANDS: &[&str] = &[
    "/lgtm",
    "/lgtm cancel",
    "/approve",
    "/approve no-issue",
    "/approve cancel",
    "/hold",
    "/hold cancel",
    "/meow",
    "/meowvie",
    "/milestone v1.0",
    "/milestone clear",
    "/status in-review",
    "/override some-context",
    "/override",
    "/skip",
    "/release-note-none",
    "/release-note-edit\r\n```release-note\r\nA note\r\n```",
    "/check-required-labels",
    "/auto-cc",
    "/assign @octocat",
    "/cc @octocat",
    "/label foo",
    "/kind bug",
    "/lifecycle stale",
    "/close",
    "/reopen",
    "/retitle A better title",
    "/help",
    "/good-first-issue",
    "/ok-to-test",
    "/retest",
    "/test all",
    "/lgtm\n/approve\n/hold",
    "/\u{0}",
];
