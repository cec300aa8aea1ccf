//! `size` end to end: the pull request carries the one `size/*` label its changed lines call for,
//! not counting files `.generated_files` and `.gitattributes` mark at the base; a push that
//! grows it swaps the label, and redeliveries write nothing.

use crate::support::{Bench, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [size]\n";

fn label_writes(bench: &Bench) -> Vec<String> {
    bench
        .writes()
        .iter()
        .filter(|c| c.uri.contains("/labels"))
        .map(|c| format!("{} {}", c.method, c.uri))
        .collect()
}

fn lines(n: usize) -> String {
    "line\n".repeat(n)
}

#[tokio::test]
async fn the_size_label_converges_on_the_counted_lines() {
    let bench = Bench::start(world(&["alice"]), PLUGINS).await;
    {
        let mut world = bench.world();
        let main = world
            .repos
            .get_mut("acme/widgets")
            .unwrap()
            .files
            .entry("main".into())
            .or_default();
        main.insert(".generated_files".into(), "file-name go.sum\n".into());
        main.insert(
            ".gitattributes".into(),
            "generated/** linguist-generated=true\n".into(),
        );
    }
    let (sum, generated) = (lines(500), lines(500));
    let pull = bench.world().open_pull_request(
        "acme/widgets",
        "outsider",
        "feature",
        "Add a widget",
        &[
            ("w.go", "package w\n\nfunc W() {}\n"),
            ("go.sum", &sum),
            ("generated/zz.go", &generated),
        ],
    );
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["size/XS"]);
    assert_eq!(label_writes(&bench).len(), 1, "{:?}", label_writes(&bench));

    bench.forget_calls();
    let more = lines(40);
    bench
        .world()
        .push_to_pull_request("acme/widgets", pull, "More", &[("more.go", &more)]);
    bench.settle_delivering(2).await;
    assert_eq!(bench.labels("acme/widgets", pull), ["size/M"]);
    let writes = label_writes(&bench);
    assert_eq!(
        writes.len(),
        2,
        "the XS label removed, M added, once: {writes:?}"
    );
    assert!(writes[0].starts_with("DELETE") && writes[0].ends_with("/labels/size%2FXS"));
    assert!(bench.bot_comments("acme/widgets", pull).is_empty());
}
