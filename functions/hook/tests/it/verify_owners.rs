//! `verify-owners` end to end: a PR adding an OWNERS file that does not parse gets the
//! invalid-owners label and one review (however often GitHub delivers); fixing it takes the
//! label off; anyone may ask again with `/verify-owners`.

use crate::support::{BOT, Bench, world_with_owners};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [verify-owners]\n";
const LABEL: &str = "do-not-merge/invalid-owners-file";

#[tokio::test]
async fn an_invalid_owners_file_is_flagged_once_and_fixing_it_clears_the_flag() {
    let seeded = world_with_owners(&["alice"], "approvers:\n- carol\n", &[]);
    let bench = Bench::start(seeded, PLUGINS).await;
    let pull = bench.world().open_pull_request(
        "acme/widgets",
        "alice",
        "feature",
        "Own a",
        &[("a/OWNERS", "approvers:\n- alice\n  bad: [\n")],
    );
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), [LABEL]);
    let reviews: Vec<(String, String)> = bench
        .issue(pull)
        .reviews
        .iter()
        .map(|r| (r.author.clone(), r.body.clone()))
        .collect();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(reviews[0].0, BOT);
    assert!(
        reviews[0].1.starts_with("@alice: 1 invalid OWNERS file"),
        "{reviews:?}"
    );

    // Asking again changes nothing.
    bench.comment(pull, "olly", "/verify-owners");
    bench.settle().await;
    assert_eq!(bench.issue(pull).reviews.len(), 1);

    bench.world().push_to_pull_request(
        "acme/widgets",
        pull,
        "fix",
        &[("a/OWNERS", "approvers:\n- alice\n")],
    );
    bench.settle().await;
    assert!(bench.labels("acme/widgets", pull).is_empty());
}
