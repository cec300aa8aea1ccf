//! The parser: actions into pipelines, pipelines and text into the node tree (`if`, `with`,
//! `range`, `else`, `end`).

use crate::lex::{Piece, Token, tokenize};
use crate::{Command, MAX_NESTING, Node, Pipeline, TemplateError, Term};
const FUNCTIONS: [&str; 14] = [
    "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "len", "index", "print", "printf",
    "println",
];

struct PipelineParser<'a> {
    tokens: &'a [Token],
    at: usize,
    column: usize,
    /// Parentheses open around the current term.
    depth: usize,
}

impl PipelineParser<'_> {
    fn error(&self, message: impl Into<String>) -> TemplateError {
        TemplateError::Parse {
            column: self.column,
            message: message.into(),
        }
    }

    fn pipeline(&mut self) -> Result<Pipeline, TemplateError> {
        let mut commands = vec![self.command()?];
        while self.tokens.get(self.at) == Some(&Token::Pipe) {
            self.at += 1;
            commands.push(self.command()?);
        }
        Ok(Pipeline(commands))
    }

    fn command(&mut self) -> Result<Command, TemplateError> {
        match self.tokens.get(self.at) {
            Some(Token::Word(name)) => {
                if !FUNCTIONS.contains(&name.as_str()) {
                    return Err(self.error(format!("function {name:?} not defined")));
                }
                let name = name.clone();
                self.at += 1;
                let mut args = Vec::new();
                while let Some(token) = self.tokens.get(self.at) {
                    if matches!(token, Token::Pipe | Token::Close) {
                        break;
                    }
                    args.push(self.term()?);
                }
                Ok(Command::Call(name, args))
            }
            Some(_) => Ok(Command::Term(self.term()?)),
            None => Err(self.error("missing value for command")),
        }
    }

    fn term(&mut self) -> Result<Term, TemplateError> {
        let token = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or_else(|| self.error("missing value"))?;
        self.at += 1;
        match token {
            Token::Field(path) => Ok(Term::Field(path)),
            Token::Root(path) => Ok(Term::Root(path)),
            Token::Literal(value) => Ok(Term::Literal(value)),
            Token::Open => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err(too_deep(self.column));
                }
                let inner = self.pipeline()?;
                self.depth -= 1;
                if self.tokens.get(self.at) != Some(&Token::Close) {
                    return Err(self.error("unclosed left paren"));
                }
                self.at += 1;
                Ok(Term::Sub(inner))
            }
            Token::Word(word) => Err(self.error(format!(
                "function {word:?} used as an argument needs parentheses"
            ))),
            Token::Close | Token::Pipe => Err(self.error("unexpected token")),
        }
    }
}

pub(crate) fn parse_pipeline(text: &str, column: usize) -> Result<Pipeline, TemplateError> {
    let tokens = tokenize(text, column)?;
    let mut parser = PipelineParser {
        tokens: &tokens,
        at: 0,
        column,
        depth: 0,
    };
    let pipeline = parser.pipeline()?;
    if parser.at != tokens.len() {
        return Err(parser.error(format!("unexpected tokens in {text:?}")));
    }
    Ok(pipeline)
}

/// How a list of nodes ended.
pub(crate) enum End {
    Eof,
    Keyword,
    Else(Option<(String, usize)>),
}

/// Parses nodes up to the `end` or `else` that closes the block they are in, `depth` blocks deep.
pub(crate) fn parse_nodes(
    pieces: &mut std::iter::Peekable<std::vec::IntoIter<Piece>>,
    depth: usize,
) -> Result<(Vec<Node>, End, usize), TemplateError> {
    let mut nodes = Vec::new();
    while let Some(piece) = pieces.next() {
        let (action, column) = match piece {
            Piece::Text(text) => {
                nodes.push(Node::Text(text));
                continue;
            }
            Piece::Action(action, column) => (action, column),
        };
        if action.starts_with("/*") {
            continue;
        }
        let (keyword, rest) = action
            .split_once(char::is_whitespace)
            .map_or((action.as_str(), ""), |(k, r)| (k, r.trim()));
        if matches!(keyword, "if" | "with" | "range") && depth >= MAX_NESTING {
            return Err(too_deep(column));
        }
        match keyword {
            "end" => return Ok((nodes, End::Keyword, column)),
            "else" if rest.is_empty() => return Ok((nodes, End::Else(None), column)),
            "else" => {
                let (keyword, condition) = rest
                    .split_once(char::is_whitespace)
                    .map_or((rest, ""), |(k, r)| (k, r.trim()));
                if keyword != "if" {
                    return Err(TemplateError::Parse {
                        column,
                        message: format!("unexpected {rest:?} after else"),
                    });
                }
                return Ok((
                    nodes,
                    End::Else(Some((condition.to_string(), column))),
                    column,
                ));
            }
            "if" => {
                let mut branches = Vec::new();
                let mut condition = (rest.to_string(), column);
                loop {
                    let pipeline = parse_pipeline(&condition.0, condition.1)?;
                    let (body, end, _) = parse_nodes(pieces, depth + 1)?;
                    branches.push((pipeline, body));
                    match end {
                        End::Keyword => {
                            nodes.push(Node::If(branches, Vec::new()));
                            break;
                        }
                        End::Else(Some(next)) => condition = next,
                        End::Else(None) => {
                            let (otherwise, end, at) = parse_nodes(pieces, depth + 1)?;
                            expect_end(end, at)?;
                            nodes.push(Node::If(branches, otherwise));
                            break;
                        }
                        End::Eof => return Err(unclosed("if", column)),
                    }
                }
            }
            "with" | "range" => {
                let pipeline = parse_pipeline(rest, column)?;
                let (body, end, at) = parse_nodes(pieces, depth + 1)?;
                let otherwise = match end {
                    End::Keyword => Vec::new(),
                    End::Else(None) => {
                        let (otherwise, end, at) = parse_nodes(pieces, depth + 1)?;
                        expect_end(end, at)?;
                        otherwise
                    }
                    End::Else(Some(_)) | End::Eof => return Err(unclosed(keyword, column.max(at))),
                };
                nodes.push(if keyword == "with" {
                    Node::With(pipeline, body, otherwise)
                } else {
                    Node::Range(pipeline, body, otherwise)
                });
            }
            "define" | "template" | "block" => {
                return Err(TemplateError::Parse {
                    column,
                    message: format!("{{{{{keyword}}}}} is not supported"),
                });
            }
            _ => nodes.push(Node::Action(parse_pipeline(&action, column)?)),
        }
    }
    Ok((nodes, End::Eof, 0))
}

fn too_deep(column: usize) -> TemplateError {
    TemplateError::Parse {
        column,
        message: format!("nested more than {MAX_NESTING} levels deep"),
    }
}

fn unclosed(keyword: &str, column: usize) -> TemplateError {
    TemplateError::Parse {
        column,
        message: format!("unexpected EOF: {{{{{keyword}}}}} has no {{{{end}}}}"),
    }
}

fn expect_end(end: End, column: usize) -> Result<(), TemplateError> {
    match end {
        End::Keyword => Ok(()),
        _ => Err(TemplateError::Parse {
            column,
            message: "expected {{end}}".into(),
        }),
    }
}
