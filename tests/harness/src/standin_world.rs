//! The GitHub stand-in's world that most function tests start from.

use github_standin::World;

/// The repository of [`acme_widgets`].
pub const REPO: &str = "acme/widgets";

/// A world whose bot is `prow-bot`, with the organisation `acme` (members alice and prow-bot)
/// and its repository `acme/widgets`.
pub fn acme_widgets() -> World {
    let mut world = World::new("prow-bot");
    world.add_org("acme", &["alice", "prow-bot"]);
    world.add_repo(REPO);
    world
}

/// The repository GitHub's example payloads (the corpus's `github-webhooks`) are about.
pub const HELLO_WORLD: &str = "Codertocat/Hello-World";

/// Opens in [`HELLO_WORLD`] (already in `world`) what GitHub's example payloads name:
/// Codertocat's issue 1 and pull request 2.
pub fn open_corpus_issue_and_pull(world: &mut World) {
    world.open_issue(
        HELLO_WORLD,
        "Codertocat",
        "Spelling error in the README file",
    );
    world.open_pull_request(
        HELLO_WORLD,
        "Codertocat",
        "changes",
        "Update the README with new information.",
        &[("README.md", "Hello World\n")],
    );
}
