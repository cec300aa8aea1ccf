//! The lexer: a template's text split into text runs and `{{ }}` actions, an action into tokens.

use crate::TemplateError;
use serde_json::Value;
/// One `{{ }}` action or a run of text, with where it starts.
pub(crate) enum Piece {
    Text(String),
    Action(String, usize),
}

pub(crate) fn split(source: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = source;
    let mut offset = 0;
    while let Some(open) = rest.find("{{") {
        let mut text = rest[..open].to_string();
        let after_open = &rest[open + 2..];
        let Some(close) = after_open.find("}}") else {
            return Err(TemplateError::Parse {
                column: offset + open + 1,
                message: "unclosed action".into(),
            });
        };
        let mut inner = &after_open[..close];
        if let Some(trimmed) = inner.strip_prefix("- ") {
            text = text.trim_end().to_string();
            inner = trimmed;
        }
        let mut trim_after = false;
        if let Some(trimmed) = inner.strip_suffix(" -") {
            trim_after = true;
            inner = trimmed;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        pieces.push(Piece::Action(inner.trim().to_string(), offset + open + 1));
        let consumed = open + 2 + close + 2;
        rest = &rest[consumed..];
        offset += consumed;
        if trim_after {
            let trimmed = rest.trim_start();
            offset += rest.len() - trimmed.len();
            rest = trimmed;
        }
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    Field(Vec<String>),
    Root(Vec<String>),
    Word(String),
    Literal(Value),
    Open,
    Close,
    Pipe,
}

pub(crate) fn tokenize(action: &str, column: usize) -> Result<Vec<Token>, TemplateError> {
    let error = |message: String| TemplateError::Parse { column, message };
    let chars: Vec<char> = action.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let path = |chars: &[char], i: &mut usize| {
        let mut parts = Vec::new();
        while *i < chars.len() && chars[*i] == '.' {
            *i += 1;
            let start = *i;
            while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
                *i += 1;
            }
            if *i > start {
                parts.push(chars[start..*i].iter().collect::<String>());
            }
        }
        parts
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '|' => {
                tokens.push(Token::Pipe);
                i += 1;
            }
            '.' => tokens.push(Token::Field(path(&chars, &mut i))),
            '$' => {
                i += 1;
                tokens.push(Token::Root(path(&chars, &mut i)));
            }
            '"' | '`' => {
                let quote = c;
                i += 1;
                let mut text = String::new();
                while i < chars.len() && chars[i] != quote {
                    if quote == '"' && chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                        text.push(match chars[i] {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    } else {
                        text.push(chars[i]);
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(error("unterminated string".into()));
                }
                i += 1;
                tokens.push(Token::Literal(Value::String(text)));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let number: f64 = text
                    .parse()
                    .map_err(|_| error(format!("bad number {text:?}")))?;
                tokens.push(Token::Literal(
                    serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number),
                ));
            }
            c if c.is_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push(match word.as_str() {
                    "true" => Token::Literal(Value::Bool(true)),
                    "false" => Token::Literal(Value::Bool(false)),
                    "nil" => Token::Literal(Value::Null),
                    _ => Token::Word(word),
                });
            }
            other => return Err(error(format!("unexpected {other:?} in action"))),
        }
    }
    Ok(tokens)
}
