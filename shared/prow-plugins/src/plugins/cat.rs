//! `cat` (upstream `pkg/plugins/cat`): anyone's `/meow` gets a cat picture in reply; `/meow
//! grumpy` (or `no`) the grumpy cat.

use super::{Builtin, Pattern, commented_issue, new_comment, pattern, reply};
use crate::help::{Commands, command};
use crate::{Action, EventKind, Fact, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::comment::GenericCommentEvent;

static MEOW: Pattern = Pattern::new(|| pattern(r"(?mi)^/meow(vie)?(?: (.+))?(?-u:\s)*$"));
static GRUMPY: Pattern = Pattern::new(|| pattern(r"(?mi)^(no|grumpy)(?-u:\s)*$"));

/// Upstream's grumpy cat, asked of no picture source.
pub const GRUMPY_CAT: &str =
    "https://upload.wikimedia.org/wikipedia/commons/e/ee/Grumpy_Cat_by_Gage_Skidmore.jpg";
const PICTURE: &str = "![cat image](";
const DOWN: &str = "https://thecatapi.com appears to be down";
const BAD_CATEGORY: &str = "Bad category. Please see https://api.thecatapi.com/api/categories/list";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Meow,
}

impl Commands for Command {
    const ALL: &'static [Command] = &[Command::Meow];

    fn help(self) -> crate::Command {
        match self {
            Command::Meow => command(
                "/meow(vie) [CATegory]",
                "Add a cat image to the issue or PR",
                "Anyone",
                &["/meow", "/meow caturday", "/meowvie clothes"],
            ),
        }
    }
}

pub struct Cat;

impl Builtin for Cat {
    const NAME: &'static str = "cat";
    const EVENTS: &'static [EventKind] = &[EventKind::GenericComment];

    fn help(&self, config: &Config, _: &[String]) -> PluginHelp {
        PluginHelp::new(
            "The cat plugin adds a cat image to an issue or PR in response to the `/meow` command.",
        )
        .with_config(format!(
            "The cat plugin uses an api key for thecatapi.com stored in {}.",
            config.plugins.cat.key_path
        ))
        .with_snippet("cat:\n  # Path to file containing an api key for thecatapi.com\n  key_path: /etc/cat-api/api-key\n")
        .with_commands::<Command>()
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(comment) = new_comment(input) else {
            return Ok(Vec::new());
        };
        // Only the first `/meow` of a comment is answered.
        let Some(found) = MEOW.captures(&comment.body) else {
            return Ok(Vec::new());
        };
        let category = found.get(2).map_or("", |m| m.as_str()).trim();
        // The picture differs each time, so a redelivery is told by the bot's earlier answer to
        // this very comment, before a picture is fetched.
        if answered_already(facts, comment)? {
            return Ok(Vec::new());
        }
        let url = if GRUMPY.is_match(category) {
            GRUMPY_CAT
        } else {
            let fact = Fact::CatImage { grumpy: false };
            facts.need([fact])?;
            facts.cat_image(false)?
        };
        let answer = match (url, category) {
            ("", "") => DOWN.to_string(),
            ("", _) => BAD_CATEGORY.to_string(),
            (url, _) => format!("{PICTURE}{url})"),
        };
        Ok(vec![reply(comment, &answer)])
    }
}

/// Whether one of the bot's comments answers `comment` with a picture or the reason for none.
fn answered_already(facts: &Facts, comment: &GenericCommentEvent) -> Result<bool, NeedFacts> {
    let issue = commented_issue(comment);
    let addressed = format!("@{}: ", comment.user.login);
    let quoting = format!("In response to [this]({}):", comment.html_url);
    Ok(facts.bot_comments(&issue)?.iter().any(|earlier| {
        earlier.body.strip_prefix(&addressed).is_some_and(|reply| {
            [PICTURE, DOWN, BAD_CATEGORY]
                .iter()
                .any(|answer| reply.starts_with(answer))
                && reply.contains(&quoting)
        })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Delivery;
    use crate::testing::{BOT, Given, PR, comment_on_issue, comment_on_pr, edited, plan};
    use prow_github::comment::format_response_raw;

    const PICTURE_URL: &str = "https://cdn2.thecatapi.com/images/abc.jpg";
    const COMMENT_URL: &str = "https://github.com/kubernetes/test-infra/pull/7#issuecomment-5000";

    /// The bot has said nothing yet; the picture source answers `url`.
    fn facts(url: &str) -> Facts {
        Facts::new().bot().comments(&PR, &[]).cat_image(false, url)
    }

    fn reply_to(delivery: &Delivery, text: &str) -> Vec<Action> {
        let comment = delivery.comment.as_ref().unwrap();
        vec![Action::comment(
            &PR,
            format_response_raw(&comment.body, &comment.html_url, &comment.user.login, text),
        )]
    }

    #[test]
    fn anyone_gets_a_picture_and_grumpy_asks_for_the_grumpy_cat() {
        let picture = format!("![cat image]({PICTURE_URL})");
        let grumpy = format!("![cat image]({GRUMPY_CAT})");
        for (body, expected) in [
            ("/meow", Some(picture.as_str())),
            ("/MEOW", Some(&picture)),
            ("/meowvie", Some(&picture)),
            ("/meowvie clothes", Some(&picture)),
            ("/meow caturday", Some(&picture)),
            ("/meow  clothes", Some(&picture)),
            ("/meow \r", Some(&picture)),
            ("/meow\r\n", Some(&picture)),
            ("look:\n/meow\nthanks", Some(&picture)),
            ("/meow grumpy", Some(&grumpy)),
            ("/meow no", Some(&grumpy)),
            ("/meow NO ", Some(&grumpy)),
            ("/meowvie Grumpy", Some(&grumpy)),
            ("/meow not grumpy", Some(&picture)),
            ("/meowx", None),
            ("/meow\tclothes", None),
            ("say /meow", None),
            ("meow", None),
        ] {
            for login in ["alice", "outsider", BOT] {
                let delivery = comment_on_pr(&PR, login, body);
                let expected = expected.map_or(vec![], |text| reply_to(&delivery, text));
                assert_eq!(
                    plan(&Cat, &delivery, &facts(PICTURE_URL)),
                    Ok(expected),
                    "{login} {body:?}"
                );
            }
        }
        let on_issue = comment_on_issue(&PR, "outsider", "/meow");
        assert_eq!(
            plan(&Cat, &on_issue, &facts(PICTURE_URL)),
            Ok(reply_to(&on_issue, &picture))
        );
    }

    #[test]
    fn without_a_picture_upstreams_excuse_is_given() {
        for (body, snapshot) in [("/meow", "down"), ("/meow caturday", "bad_category")] {
            let delivery = comment_on_pr(&PR, "alice", body);
            let planned = plan(&Cat, &delivery, &facts("")).unwrap();
            let [Action::Comment { body, .. }] = &planned[..] else {
                panic!("{planned:?}");
            };
            insta::assert_snapshot!(snapshot, body);
        }
    }

    #[test]
    fn the_reply_quotes_the_comment() {
        let delivery = comment_on_pr(&PR, "alice", "so cute\n/meow\r\n");
        let planned = plan(&Cat, &delivery, &facts(PICTURE_URL)).unwrap();
        let [Action::Comment { body, .. }] = &planned[..] else {
            panic!("{planned:?}");
        };
        insta::assert_snapshot!("picture", body);
    }

    #[test]
    fn the_bots_earlier_answer_to_the_same_comment_is_not_repeated() {
        let delivery = comment_on_pr(&PR, "alice", "/meow");
        let earlier = format_response_raw(
            "/meow",
            COMMENT_URL,
            "alice",
            "![cat image](https://x/old.jpg)",
        );
        let down = format_response_raw("/meow", COMMENT_URL, "alice", DOWN);
        let elsewhere = format_response_raw(
            "/meow",
            "https://github.com/kubernetes/test-infra/pull/7#issuecomment-4000",
            "alice",
            "![cat image](https://x/old.jpg)",
        );
        let other_plugin = format_response_raw(
            "/meow",
            COMMENT_URL,
            "alice",
            "you cannot LGTM your own PR.",
        );
        for (author, body, answered) in [
            (BOT, earlier.as_str(), true),
            (BOT, &down, true),
            (BOT, &elsewhere, false),
            (BOT, &other_plugin, false),
            ("mallory", &earlier, false),
        ] {
            let facts = Facts::new()
                .bot()
                .comments(&PR, &[(1, author, body)])
                .cat_image(false, PICTURE_URL);
            let planned = plan(&Cat, &delivery, &facts).unwrap();
            assert_eq!(planned.is_empty(), answered, "{author} {body:?}");
        }
    }

    #[test]
    fn the_comments_are_asked_first_then_the_picture() {
        let delivery = comment_on_pr(&PR, "alice", "/meow");
        assert_eq!(
            plan(&Cat, &delivery, &Facts::new()),
            Err(NeedFacts(
                [Fact::BotLogin, Fact::Comments(PR.clone())]
                    .into_iter()
                    .collect()
            ))
        );
        let said_nothing = Facts::new().bot().comments(&PR, &[]);
        assert_eq!(
            plan(&Cat, &delivery, &said_nothing),
            Err(NeedFacts::one(Fact::CatImage { grumpy: false }))
        );
        // The grumpy cat needs no picture source.
        let grumpy = comment_on_pr(&PR, "alice", "/meow grumpy");
        assert!(plan(&Cat, &grumpy, &said_nothing).is_ok());
    }

    #[test]
    fn edited_comments_and_other_text_are_left_alone_without_a_call() {
        let edited = edited(comment_on_pr(&PR, "alice", "/meow"));
        assert_eq!(plan(&Cat, &edited, &Facts::new()), Ok(vec![]));
        let text = comment_on_pr(&PR, "alice", "no cats here");
        assert_eq!(plan(&Cat, &text, &Facts::new()), Ok(vec![]));
    }

    #[test]
    fn help_is_upstreams() {
        insta::assert_debug_snapshot!(Cat.help(&Config::default(), &[]));
    }
}
