//! `welcome` (upstream `pkg/plugins/welcome`): a first pull request to a repository is greeted
//! with the configured message (a Go template). First means, as upstream, that GitHub's search
//! finds no pull request of the author in the repository but this one; org members and
//! collaborators are not greeted unless `always_post` says so.

use super::{Builtin, base_pull, pull_request_event};
use crate::trust::trusted_user;
use crate::{Action, EventKind, Facts, Input, NeedFacts, PluginHelp};
use prow_config::Config;
use prow_github::vocabulary::PullRequestAction;
use prow_template::Template;
use serde_json::{Value, json};

/// Upstream's message when `message_template` is empty.
pub const DEFAULT_TEMPLATE: &str =
    "Welcome @{{.AuthorLogin}}! It looks like this is your first PR to {{.Org}}/{{.Repo}} 🎉";

/// Upstream searches `is:pr repo:<org>/<repo> author:<login>` through REST; the same search
/// through GraphQL. Two results tell "only this one" from "others too".
pub const SEARCH_QUERY: &str = "query($query: String!) { search(type: ISSUE, first: 2, query: $query) { pageInfo { hasNextPage } nodes { ... on PullRequest { number } } } }";

pub struct Welcome;

impl Builtin for Welcome {
    const NAME: &'static str = "welcome";
    const EVENTS: &'static [EventKind] = &[EventKind::PullRequest];

    fn help(&self, config: &Config, enabled_repos: &[String]) -> PluginHelp {
        let configured = enabled_repos
            .iter()
            .map(|scope| {
                let (org, repo) = scope.split_once('/').unwrap_or((scope, ""));
                let template = template_for(config, org, repo);
                (
                    scope.clone(),
                    format!(
                        "The welcome plugin is configured to post using following welcome template: {template}."
                    ),
                )
            })
            .collect();
        PluginHelp::new("The welcome plugin greets incoming PRs with a welcoming message.")
            .with_config_per_repo(configured)
            .with_snippet("welcome:\n- repos:\n  - org/repo1\n  - org/repo2\n  message_template: Welcome @{{.AuthorLogin}}!\n  always_post: false\n")
    }

    fn plan(&self, input: &Input<'_>, facts: &Facts) -> Result<Vec<Action>, NeedFacts> {
        let Some(event) = pull_request_event(input, &[PullRequestAction::Opened]) else {
            return Ok(Vec::new());
        };
        let author = &event.pull_request.user;
        // Bots (`type: Bot`) are not greeted.
        if author.kind != "User" {
            return Ok(Vec::new());
        }
        let pull = base_pull(event);
        let (org, repo) = (pull.repo.org.as_str(), pull.repo.name.as_str());
        // Upstream reads the options for the event's repository, the trust settings for the base.
        let options = input
            .config
            .plugins
            .welcome_for(event.repo.org(), &event.repo.name);
        let settings = input.config.plugins.trigger_for(org, repo);
        // Asked even when `always_post`, as upstream.
        let trusted = trusted_user(facts, &settings, &author.login, &pull.repo)?;
        if !options.always_post {
            if trusted {
                return Ok(Vec::new());
            }
            let variables =
                json!({"query": format!("is:pr repo:{org}/{repo} author:{}", author.login)});
            let found = facts.graphql(org, SEARCH_QUERY, &variables)?;
            if !first_pull_request(found, event.number) {
                return Ok(Vec::new());
            }
        }
        let template = if options.message_template.is_empty() {
            DEFAULT_TEMPLATE
        } else {
            options.message_template.as_str()
        };
        // Upstream returns the template's error and posts nothing.
        let Ok(message) = render(template, org, repo, &author.login, &author.name) else {
            return Ok(Vec::new());
        };
        Ok(vec![Action::comment(&pull, message)])
    }
}

/// Whether the search found no pull request of the author, or only this one.
fn first_pull_request(found: &Value, number: u64) -> bool {
    let search = &found["search"];
    let nodes = search["nodes"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let more = search["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    match nodes {
        [] => true,
        [only] => !more && only["number"].as_u64() == Some(number),
        _ => false,
    }
}

fn template_for(config: &Config, org: &str, repo: &str) -> String {
    let template = config.plugins.welcome_for(org, repo).message_template;
    if template.is_empty() {
        DEFAULT_TEMPLATE.to_string()
    } else {
        template
    }
}

/// The message, as upstream's `html/template` renders it: the values are escaped for HTML text.
fn render(
    template: &str,
    org: &str,
    repo: &str,
    login: &str,
    name: &str,
) -> Result<String, prow_template::TemplateError> {
    let data = json!({
        "Org": escape_html(org),
        "Repo": escape_html(repo),
        "AuthorLogin": escape_html(login),
        "AuthorName": escape_html(name),
    });
    Template::parse(template)?.execute(&data)
}

/// Go's `html/template` escaping of a value in text (its `htmlReplacementTable`).
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\0' => escaped.push('\u{FFFD}'),
            '"' => escaped.push_str("&#34;"),
            '&' => escaped.push_str("&amp;"),
            '\'' => escaped.push_str("&#39;"),
            '+' => escaped.push_str("&#43;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{BOT, Given, PR, comment_on_pr, plan_with, pull_request_event_with};
    use crate::{Delivery, Fact};
    use std::collections::BTreeMap;

    /// The help's per-repository lines, for the repositories `welcome` is enabled in.
    fn help_config(config: &Config, repos: &[&str]) -> BTreeMap<String, String> {
        let repos: Vec<String> = repos.iter().map(|r| r.to_string()).collect();
        Welcome.help(config, &repos).config
    }

    fn config(plugins_yaml: &str) -> Config {
        crate::testing::plugins_config(plugins_yaml)
    }

    fn opened_by(author: &str) -> Delivery {
        pull_request_event_with(&PR, "opened", author, author, |_| {})
    }

    fn search(author: &str) -> (Value, String) {
        (
            json!({"query": format!("is:pr repo:kubernetes/test-infra author:{author}")}),
            author.to_string(),
        )
    }

    /// What the search answers: the numbers found, and whether there are more.
    fn found(numbers: &[u64], more: bool) -> Value {
        json!({"search": {
            "pageInfo": {"hasNextPage": more},
            "nodes": numbers.iter().map(|n| json!({"number": n})).collect::<Vec<_>>(),
        }})
    }

    /// Facts for `author`: member or not, collaborator or not, what the search finds.
    fn facts(author: &str, member: bool, collaborator: bool, search_found: Value) -> Facts {
        let (variables, _) = search(author);
        Facts::new()
            .bot()
            .member("kubernetes", author, member)
            .collaborator(&PR.repo, author, collaborator)
            .graphql("kubernetes", SEARCH_QUERY, &variables, search_found)
    }

    fn greeting(text: &str) -> Vec<Action> {
        vec![Action::comment(&PR, text)]
    }

    const DEFAULT_GREETING: &str =
        "Welcome @newbie! It looks like this is your first PR to kubernetes/test-infra 🎉";

    #[test]
    fn first_pull_requests_of_untrusted_authors_are_greeted() {
        let plain = config("");
        let always = config("welcome:\n- repos: [kubernetes]\n  always_post: true\n");
        let greet = greeting(DEFAULT_GREETING);
        for (config, member, collaborator, found_prs, expected) in [
            (&plain, false, false, found(&[], false), greet.clone()),
            (&plain, false, false, found(&[7], false), greet.clone()),
            (&plain, false, false, found(&[3], false), vec![]),
            (&plain, false, false, found(&[7, 3], false), vec![]),
            (&plain, false, false, found(&[7, 3], true), vec![]),
            (&plain, false, false, found(&[7], true), vec![]),
            (&plain, true, false, found(&[], false), vec![]),
            (&plain, false, true, found(&[], false), vec![]),
            (&always, true, false, found(&[3], false), greet.clone()),
            (&always, false, true, found(&[3], false), greet.clone()),
            (&always, false, false, found(&[7, 3], false), greet.clone()),
        ] {
            let facts = facts("newbie", member, collaborator, found_prs.clone());
            assert_eq!(
                plan_with(&Welcome, &opened_by("newbie"), &facts, config),
                Ok(expected),
                "member: {member} collaborator: {collaborator} found: {found_prs} always: {}",
                std::ptr::eq(config, &always)
            );
        }
    }

    #[test]
    fn trust_is_asked_as_upstream_asks_it_then_the_search() {
        let config = config("");
        let delivery = opened_by("newbie");
        let bot = Fact::BotLogin;
        assert_eq!(
            plan_with(&Welcome, &delivery, &Facts::new(), &config),
            Err(NeedFacts::one(bot))
        );
        let member = Fact::org_member("kubernetes", "newbie");
        let known = Facts::new().bot();
        assert_eq!(
            plan_with(&Welcome, &delivery, &known, &config),
            Err(NeedFacts::one(member))
        );
        let known = known.member("kubernetes", "newbie", false);
        assert_eq!(
            plan_with(&Welcome, &delivery, &known, &config),
            Err(NeedFacts::one(Fact::collaborator(&PR.repo, "newbie")))
        );
        let known = known.collaborator(&PR.repo, "newbie", false);
        let (variables, _) = search("newbie");
        assert_eq!(
            plan_with(&Welcome, &delivery, &known, &config),
            Err(NeedFacts::one(Fact::graphql(
                "kubernetes",
                SEARCH_QUERY,
                &variables
            )))
        );
        // A member is not searched for; nor is anyone when every PR is greeted.
        let member = Facts::new().bot().member("kubernetes", "newbie", true);
        assert_eq!(plan_with(&Welcome, &delivery, &member, &config), Ok(vec![]));
        let always = super::tests::config("welcome:\n- repos: [kubernetes]\n  always_post: true\n");
        let outsider = Facts::new()
            .bot()
            .member("kubernetes", "newbie", false)
            .collaborator(&PR.repo, "newbie", false);
        assert_eq!(
            plan_with(&Welcome, &delivery, &outsider, &always),
            Ok(greeting(DEFAULT_GREETING))
        );
    }

    #[test]
    fn only_org_members_skips_the_collaborator_check_and_trusted_org_is_asked_last() {
        let config = config(
            "triggers:\n- repos: [kubernetes/test-infra]\n  only_org_members: true\n  trusted_org: kubernetes-sigs\n",
        );
        let known = Facts::new().bot().member("kubernetes", "newbie", false);
        assert_eq!(
            plan_with(&Welcome, &opened_by("newbie"), &known, &config),
            Err(NeedFacts::one(Fact::org_member(
                "kubernetes-sigs",
                "newbie"
            )))
        );
        let sigs_member = known.member("kubernetes-sigs", "newbie", true);
        assert_eq!(
            plan_with(&Welcome, &opened_by("newbie"), &sigs_member, &config),
            Ok(vec![])
        );
    }

    #[test]
    fn bots_other_actions_and_other_events_are_left_alone_without_a_call() {
        let config = config("");
        let none = Facts::new();
        let app = opened_by("renovate[bot]");
        assert_eq!(plan_with(&Welcome, &app, &none, &config), Ok(vec![]));
        for action in ["edited", "reopened", "synchronize", "closed"] {
            let delivery = pull_request_event_with(&PR, action, "newbie", "newbie", |_| {});
            assert_eq!(
                plan_with(&Welcome, &delivery, &none, &config),
                Ok(vec![]),
                "{action}"
            );
        }
        let comment = comment_on_pr(&PR, "newbie", "hello");
        assert_eq!(plan_with(&Welcome, &comment, &none, &config), Ok(vec![]));
        // The bot itself is trusted.
        let by_bot = opened_by(BOT);
        assert_eq!(
            plan_with(&Welcome, &by_bot, &Facts::new().bot(), &config),
            Ok(vec![])
        );
    }

    #[test]
    fn the_repos_template_beats_the_orgs_wherever_it_is_listed() {
        for yaml in [
            "welcome:\n- repos: [kubernetes]\n  message_template: org\n- repos: [kubernetes/test-infra]\n  message_template: \"Hi {{.AuthorLogin}} ({{.AuthorName}}) in {{.Org}}/{{.Repo}}\"\n",
            "welcome:\n- repos: [kubernetes/test-infra]\n  message_template: \"Hi {{.AuthorLogin}} ({{.AuthorName}}) in {{.Org}}/{{.Repo}}\"\n- repos: [kubernetes]\n  message_template: org\n",
        ] {
            let config = config(yaml);
            let delivery = pull_request_event_with(&PR, "opened", "newbie", "newbie", |p| {
                p["pull_request"]["user"]["name"] = json!("New <Bie> & \"Co\" O'Neil+1");
            });
            let facts = facts("newbie", false, false, found(&[], false));
            let planned = plan_with(&Welcome, &delivery, &facts, &config).unwrap();
            let [Action::Comment { body, .. }] = &planned[..] else {
                panic!("{planned:?}");
            };
            insta::assert_snapshot!("custom_template_with_escaped_values", body);
        }
        let org_only = config(
            "welcome:\n- repos: [kubernetes]\n  message_template: \"Hello {{.AuthorLogin}}\"\n",
        );
        let facts = facts("newbie", false, false, found(&[], false));
        assert_eq!(
            plan_with(&Welcome, &opened_by("newbie"), &facts, &org_only),
            Ok(greeting("Hello newbie"))
        );
    }

    #[test]
    fn a_template_that_does_not_parse_posts_nothing() {
        let config =
            config("welcome:\n- repos: [kubernetes]\n  message_template: \"Hi {{.AuthorLogin\"\n");
        let facts = facts("newbie", false, false, found(&[], false));
        assert_eq!(
            plan_with(&Welcome, &opened_by("newbie"), &facts, &config),
            Ok(vec![])
        );
    }

    #[test]
    fn the_default_greeting_and_help_are_upstreams() {
        let config = config(
            "welcome:\n- repos: [kubernetes/test-infra]\n  message_template: \"Hi {{.AuthorLogin}}\"\n",
        );
        let facts = facts("newbie", false, false, found(&[], false));
        let planned = plan_with(&Welcome, &opened_by("newbie"), &facts, &Config::default());
        let Ok([Action::Comment { body, .. }]) = planned.as_deref() else {
            panic!("{planned:?}");
        };
        insta::assert_snapshot!("default_greeting", body);
        let help = Welcome.help(&config, &["kubernetes".into()]);
        assert_eq!(
            help.description,
            "The welcome plugin greets incoming PRs with a welcoming message."
        );
        insta::assert_debug_snapshot!(
            "help_config",
            help_config(
                &config,
                &["kubernetes/test-infra", "kubernetes", "other/repo"]
            )
        );
    }
}
