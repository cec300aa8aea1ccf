//! `cat` end to end: anyone's `/meow` is answered once, however often GitHub delivers it: the
//! grumpy cat needs no picture source, and without one (the bench has none) upstream's excuse
//! is given. The bot's reply quotes `/meow` behind `>`, so it does not answer itself.

use crate::support::{Bench, open_widget_pr, world};

const PLUGINS: &str = "plugins:\n  acme:\n    plugins: [cat]\n";

#[tokio::test]
async fn anyone_meows_and_is_answered_once() {
    let bench = Bench::start(world(&["alice"]), PLUGINS).await;
    let pull = open_widget_pr(&mut bench.world());
    let issue = bench.world().open_issue("acme/widgets", "alice", "A bug");
    bench.settle().await;

    for (number, login, body, reply) in [
        (
            pull,
            "outsider",
            "/meow grumpy",
            "@outsider: ![cat image](https://upload.wikimedia.org/wikipedia/commons/e/ee/Grumpy_Cat_by_Gage_Skidmore.jpg)",
        ),
        (
            issue,
            "alice",
            "/meow",
            "@alice: https://thecatapi.com appears to be down",
        ),
        (
            issue,
            "outsider",
            "/meowvie caturday",
            "@outsider: Bad category. Please see https://api.thecatapi.com/api/categories/list",
        ),
    ] {
        let before = bench.bot_comments("acme/widgets", number).len();
        bench.comment(number, login, body);
        bench.settle_delivering(2).await;
        let said = bench.bot_comments("acme/widgets", number);
        assert_eq!(said.len(), before + 1, "once for {body:?}: {said:#?}");
        let last = said.last().unwrap();
        assert!(last.starts_with(&format!("{reply}\n\n<details>")), "{last}");
        assert!(last.contains(&format!("\n\n>{body}\n")), "{last}");
    }
}
