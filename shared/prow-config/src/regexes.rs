//! Regexes from configuration (triggers, branches, changed files), checked at load and compiled on
//! first use. A config has thousands of them and a function instance uses few, so compiling them
//! all at start-up would be most of a cold start for nothing. Go's RE2 syntax and Rust's `regex`
//! syntax agree on what Prow configs use.

use regex::Regex;
use std::sync::OnceLock;

#[derive(Clone, Debug, Default)]
pub(crate) struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    pub(crate) fn new(pattern: String) -> Self {
        LazyRegex {
            pattern,
            compiled: OnceLock::new(),
        }
    }

    pub(crate) fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Matches anywhere in `text`, as Go's `MatchString`. A pattern that does not compile (which
    /// validation reports at load) matches nothing.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| Regex::new(&self.pattern).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    }
}

/// Why a pattern is not a regex: the parser's reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct RegexSyntaxError(pub String);

/// Checks that `pattern` is a valid regex without paying for compiling it.
pub(crate) fn check_syntax(pattern: &str) -> Result<(), RegexSyntaxError> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| {
            // regex-syntax renders a multi-line caret diagram; its last line is the reason.
            let text = e.to_string();
            RegexSyntaxError(
                text.lines()
                    .rev()
                    .find(|line| line.starts_with("error:"))
                    .map(|line| line.trim_start_matches("error:").trim().to_string())
                    .unwrap_or(text),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_is_checked_without_compiling() {
        assert_eq!(check_syntax(r"^docs/.*\.md$"), Ok(()));
        let err = check_syntax("^(unclosed").unwrap_err();
        assert!(err.0.contains("unclosed group"), "{err}");
    }

    #[test]
    fn invalid_patterns_match_nothing() {
        assert!(!LazyRegex::new("(".into()).is_match("("));
        assert!(LazyRegex::new("a|b".into()).is_match("xbx"));
    }
}
