//! Gerrit's change query language, the part Prow and tide speak: `project:`, `branch:`, `ref:`,
//! `status:`, `is:`, `owner:`, `change:`, joined by spaces (AND), `AND`, `OR`, `NOT` / `-`, and
//! parentheses. Values may be quoted (`"…"` or `{…}`). Anything else is refused with Gerrit's 400,
//! so a client that sends what Gerrit would not understand finds out here.

use crate::world::{Change, ChangeStatus, World};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Query {
    Project(String),
    Branch(String),
    Status(Vec<ChangeStatus>),
    Wip,
    Owner(String),
    Change(String),
    Not(Box<Query>),
    And(Vec<Query>),
    Or(Vec<Query>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Minus,
    Word(String),
    Term(String, String),
}

/// Parses a query; the error is Gerrit's text for a 400.
pub(crate) fn parse(text: &str) -> Result<Query, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0 };
    if parser.tokens.is_empty() {
        return Ok(Query::And(Vec::new()));
    }
    let query = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(query),
        Some(token) => Err(format!("line 1:{} extraneous input {token:?}", parser.at)),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            tokens.push(Token::Open);
            i += 1;
        } else if c == ')' {
            tokens.push(Token::Close);
            i += 1;
        } else if c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            tokens.push(Token::Minus);
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"():".contains(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if chars.get(i) != Some(&':') {
                tokens.push(Token::Word(word));
                continue;
            }
            i += 1;
            let value = match chars.get(i) {
                Some('"') => quoted(&chars, &mut i, '"')?,
                Some('{') => quoted(&chars, &mut i, '}')?,
                _ => {
                    let start = i;
                    while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ')' {
                        i += 1;
                    }
                    chars[start..i].iter().collect()
                }
            };
            tokens.push(Token::Term(word.to_lowercase(), value));
        }
    }
    Ok(tokens)
}

fn quoted(chars: &[char], i: &mut usize, close: char) -> Result<String, String> {
    let start = *i + 1;
    let end = chars[start..]
        .iter()
        .position(|c| *c == close)
        .ok_or_else(|| "unterminated quote".to_string())?;
    *i = start + end + 1;
    Ok(chars[start..start + end].iter().collect())
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

/// `parts` joined by `join` (`Query::And`, `Query::Or`), or the one part alone.
fn joined(mut parts: Vec<Query>, join: fn(Vec<Query>) -> Query) -> Query {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        join(parts)
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    fn or(&mut self) -> Result<Query, String> {
        let mut alternatives = vec![self.and()?];
        while self.is_word("OR") {
            self.at += 1;
            alternatives.push(self.and()?);
        }
        Ok(joined(alternatives, Query::Or))
    }

    fn and(&mut self) -> Result<Query, String> {
        let mut all = vec![self.unary()?];
        loop {
            if self.is_word("AND") {
                self.at += 1;
            } else if self.peek().is_none()
                || self.is_word("OR")
                || self.peek() == Some(&Token::Close)
            {
                break;
            }
            all.push(self.unary()?);
        }
        Ok(joined(all, Query::And))
    }

    fn unary(&mut self) -> Result<Query, String> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| "unexpected end of query".to_string())?;
        self.at += 1;
        match token {
            Token::Minus => Ok(Query::Not(Box::new(self.unary()?))),
            Token::Word(w) if w == "NOT" => Ok(Query::Not(Box::new(self.unary()?))),
            Token::Open => {
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("missing ')'".to_string());
                }
                self.at += 1;
                Ok(inner)
            }
            Token::Close => Err("unexpected ')'".to_string()),
            Token::Word(w) => Err(format!("Unsupported query: {w}")),
            Token::Term(operator, value) => term(&operator, &value),
        }
    }
}

fn term(operator: &str, value: &str) -> Result<Query, String> {
    let unsupported = || Err(format!("Unsupported operator {operator}:{value}"));
    let statuses = |value: &str| -> Option<Vec<ChangeStatus>> {
        use ChangeStatus::{Abandoned, Merged, New};
        Some(match value.to_lowercase().as_str() {
            "open" | "pending" | "new" => vec![New],
            "closed" => vec![Merged, Abandoned],
            "merged" => vec![Merged],
            "abandoned" => vec![Abandoned],
            _ => return None,
        })
    };
    Ok(match operator {
        "project" => Query::Project(value.to_string()),
        "branch" => Query::Branch(value.trim_start_matches("refs/heads/").to_string()),
        "ref" => match value.strip_prefix("refs/heads/") {
            Some(branch) => Query::Branch(branch.to_string()),
            None => return unsupported(),
        },
        "status" => match statuses(value) {
            Some(s) => Query::Status(s),
            None => return unsupported(),
        },
        "is" if value.eq_ignore_ascii_case("wip") => Query::Wip,
        "is" => match statuses(value) {
            Some(s) => Query::Status(s),
            None => return unsupported(),
        },
        "owner" => Query::Owner(value.to_string()),
        "change" => Query::Change(value.to_string()),
        _ => return unsupported(),
    })
}

impl Query {
    pub(crate) fn matches(&self, change: &Change, world: &World) -> bool {
        match self {
            Query::Project(p) => change.project == *p,
            Query::Branch(b) => change.branch == *b,
            Query::Status(s) => s.contains(&change.status),
            Query::Wip => change.work_in_progress,
            Query::Owner(who) => world.accounts.get(&change.owner).is_some_and(|a| {
                a.username == *who || a.email == *who || a.account_id.to_string() == *who
            }),
            Query::Change(id) => world.find_change(id) == Some(change.number),
            Query::Not(q) => !q.matches(change, world),
            Query::And(all) => all.iter().all(|q| q.matches(change, world)),
            Query::Or(any) => any.iter().any(|q| q.matches(change, world)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prow_filters_parse() {
        let q = parse("(branch:a OR branch:b) (-branch:c AND -branch:d) project:foo").unwrap();
        let branch = |b: &str| Query::Branch(b.to_string());
        let not = |q: Query| Query::Not(Box::new(q));
        assert_eq!(
            q,
            Query::And(vec![
                Query::Or(vec![branch("a"), branch("b")]),
                Query::And(vec![not(branch("c")), not(branch("d"))]),
                Query::Project("foo".to_string()),
            ])
        );
    }

    #[test]
    fn quoted_values_and_negation() {
        assert_eq!(
            parse("project:\"a b\" NOT is:wip").unwrap(),
            Query::And(vec![
                Query::Project("a b".to_string()),
                Query::Not(Box::new(Query::Wip)),
            ])
        );
        assert_eq!(
            parse("status:closed").unwrap(),
            Query::Status(vec![ChangeStatus::Merged, ChangeStatus::Abandoned])
        );
    }

    #[test]
    fn unknown_operators_and_bad_syntax_are_refused() {
        assert!(parse("label:Verified+1").is_err());
        assert!(parse("status:weird").is_err());
        assert!(parse("(project:a").is_err());
        assert!(parse("hello").is_err());
        assert!(parse("project:a)").is_err());
    }
}
