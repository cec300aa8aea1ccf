//! `welcome` end to end: an outsider's first pull request is greeted once, however often GitHub
//! delivers it; their second is not, nor are members', collaborators' or bots' pull requests,
//! unless `always_post`.

use crate::support::{Bench, world};
use github_standin::Permission;

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [welcome]\n";

fn open(bench: &Bench, author: &str, branch: &str) -> u64 {
    bench.world().open_pull_request(
        "acme/widgets",
        author,
        branch,
        "Add a widget",
        &[("w.go", "package w")],
    )
}

#[tokio::test]
async fn first_pull_requests_of_outsiders_are_greeted_once() {
    let mut seeded = world(&["alice"]);
    seeded.add_collaborator("acme/widgets", "carol", Permission::Write);
    let bench = Bench::start(seeded, PLUGINS).await;

    let first = open(&bench, "newbie", "first");
    bench.settle_delivering(2).await;
    assert_eq!(
        bench.bot_comments("acme/widgets", first),
        ["Welcome @newbie! It looks like this is your first PR to acme/widgets 🎉"]
    );

    let second = open(&bench, "newbie", "second");
    let by_member = open(&bench, "alice", "member");
    let by_collaborator = open(&bench, "carol", "collaborator");
    let by_bot = open(&bench, "dependabot[bot]", "bot");
    bench.settle().await;
    for pull in [second, by_member, by_collaborator, by_bot] {
        assert!(
            bench.bot_comments("acme/widgets", pull).is_empty(),
            "#{pull}"
        );
    }
}

#[tokio::test]
async fn always_post_greets_members_too_with_the_repos_template() {
    let plugins = format!(
        "{PLUGINS}welcome:\n- repos: [acme]\n  message_template: org\n- repos: [acme/widgets]\n  message_template: \"Thanks {{{{.AuthorLogin}}}} for {{{{.Org}}}}/{{{{.Repo}}}}!\"\n  always_post: true\n"
    );
    let bench = Bench::start(world(&["alice"]), &plugins).await;
    let first = open(&bench, "alice", "one");
    bench.settle_delivering(2).await;
    let second = open(&bench, "alice", "two");
    let by_bot = open(&bench, "dependabot[bot]", "bot");
    bench.settle().await;
    assert_eq!(
        bench.bot_comments("acme/widgets", first),
        ["Thanks alice for acme/widgets!"]
    );
    assert_eq!(
        bench.bot_comments("acme/widgets", second),
        ["Thanks alice for acme/widgets!"]
    );
    assert!(bench.bot_comments("acme/widgets", by_bot).is_empty());
    assert_eq!(
        bench.count_calls(|c| c.uri.contains("graphql")),
        0,
        "always_post needs no search"
    );
}
