//! `needs-rebase` end to end: a push or a comment on a PR GitHub cannot merge gives it the
//! `needs-rebase` label and a comment, which go once it can be merged; a ping sweeps every open
//! PR where the plugin is enabled, page by page; redeliveries and repeated sweeps change
//! nothing twice.

use crate::support::{BOT, Bench, REPO, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme/widgets:\n    plugins: [needs-rebase, hold]\n";
const NOTICE: &str = "PR needs rebase.";

#[tokio::test]
async fn pushes_and_comments_look_at_the_mergeability() {
    let mut seeded = world(&["member"]);
    let pull = open_widget_pr(&mut seeded);
    let bench = Bench::start(seeded, PLUGINS).await;

    bench.world().set_mergeable(REPO, pull, Some(false));
    bench
        .world()
        .push_to_pull_request(REPO, pull, "More", &[("w.go", "package w // more")]);
    bench.forget_calls();
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels(REPO, pull), ["needs-rebase"]);
    let comments = bench.bot_comments(REPO, pull);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].starts_with("PR needs rebase.\n\n<details>"));
    assert_eq!(bench.label_writes(), 1, "{:?}", bench.writes());

    // Still being computed: nothing is decided.
    bench.world().set_mergeable(REPO, pull, None);
    bench.comment(pull, "outsider", "Any news?");
    bench.forget_calls();
    bench.settle().await;
    assert!(bench.writes().is_empty(), "{:?}", bench.writes());
    assert_eq!(bench.labels(REPO, pull), ["needs-rebase"]);

    bench.world().set_mergeable(REPO, pull, Some(true));
    bench.comment(pull, "alice", "Rebased.");
    bench.forget_calls();
    bench.settle_delivering(2).await;
    assert!(bench.labels(REPO, pull).is_empty());
    assert!(bench.bot_comments(REPO, pull).is_empty(), "the notice went");
    assert_eq!(bench.label_writes(), 1);
}

#[tokio::test]
async fn a_ping_sweeps_every_open_pull_request_page_by_page() {
    let mut seeded = world(&["member"]);
    seeded.add_repo("acme/gadgets");
    // More than one page of search results (100 a page).
    let mut pulls = Vec::new();
    for i in 0..102 {
        pulls.push(seeded.open_pull_request(
            REPO,
            "alice",
            &format!("feature-{i}"),
            "A change",
            &[(&format!("f{i}.go"), "package f")],
        ));
    }
    let (conflicting, rebased, computing, last) = (pulls[0], pulls[1], pulls[2], pulls[101]);
    seeded.set_mergeable(REPO, conflicting, Some(false));
    seeded.set_mergeable(REPO, last, Some(false));
    seeded.set_mergeable(REPO, computing, None);
    seeded.label_as(REPO, rebased, "needs-rebase", BOT);
    seeded.label_as(REPO, computing, "needs-rebase", BOT);
    seeded.comment(
        REPO,
        rebased,
        BOT,
        &format!("{NOTICE}\n\n<details>\n\nfooter\n</details>"),
    );
    seeded.comment(REPO, rebased, "alice", "Thanks, PR needs rebase. Done.");
    // Not enabled there.
    let elsewhere = seeded.open_pull_request(
        "acme/gadgets",
        "alice",
        "x",
        "Other",
        &[("x.go", "package x")],
    );
    seeded.set_mergeable("acme/gadgets", elsewhere, Some(false));
    let bench = Bench::start(seeded, PLUGINS).await;

    let answer = bench.ping("needs-rebase").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    for number in [conflicting, last] {
        assert_eq!(bench.labels(REPO, number), ["needs-rebase"], "#{number}");
        assert_eq!(bench.bot_comments(REPO, number).len(), 1, "#{number}");
    }
    assert!(bench.labels(REPO, rebased).is_empty());
    assert_eq!(
        bench.comments(REPO, rebased),
        [(
            "alice".to_string(),
            "Thanks, PR needs rebase. Done.".to_string()
        )],
        "only the bot's notice went"
    );
    assert_eq!(
        bench.labels(REPO, computing),
        ["needs-rebase"],
        "left to a later look"
    );
    assert!(bench.labels("acme/gadgets", elsewhere).is_empty());
    let searches = bench.count_calls(|c| c.uri.contains("graphql"));
    assert_eq!(searches, 2, "two pages");

    bench.forget_calls();
    let again = bench.ping("needs-rebase").await;
    assert_eq!(again.status, 200, "{again:?}");
    assert!(
        bench.writes().iter().all(|c| c.uri.contains("graphql")),
        "{:?}",
        bench.writes()
    );

    // Plugins that do not sweep answer a ping without doing anything.
    let hold = bench.ping("hold").await;
    assert_eq!(
        (hold.status, hold.body.contains("does not sweep")),
        (200, true),
        "{hold:?}"
    );
}
