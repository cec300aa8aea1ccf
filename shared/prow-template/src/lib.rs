//! Go's `text/template`, the part Prow's configuration uses: `plank.job_url_template`,
//! `plank.report_templates`, tide's and crier's templates. Templates are parsed once
//! ([`Template::parse`], with the position of any error) and executed over a JSON value, the
//! ProwJob as its JSON. Go field names map to JSON keys without regard to case or underscores
//! (`.Spec.Refs.BaseRef` finds `spec.refs.base_ref`, `.Status.BuildID` finds `status.build_id`),
//! and fields of the embedded `ObjectMeta` are found under `metadata`, as Go embeds them.
//!
//! Supported: text; `{{.A.B}}`, `{{.}}`, `{{$}}`; string, number and boolean literals;
//! `if` / `else if` / `else`, `with` / `else`, `range` / `else`, `end`; parenthesised
//! pipelines and `|`; the functions `eq ne lt le gt ge and or not len index print printf`;
//! comments and `{{-` / `-}}` trimming.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template: column {column}: {message}")]
    Parse { column: usize, message: String },
    #[error("template: executing: {0}")]
    Execute(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Vec<(Pipeline, Vec<Node>)>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
}

/// Commands joined by `|`: each result is the last argument of the next.
#[derive(Clone, Debug, PartialEq)]
struct Pipeline(Vec<Command>);

#[derive(Clone, Debug, PartialEq)]
enum Term {
    /// `.A.B` (empty path: `.`), relative to dot.
    Field(Vec<String>),
    /// `$.A.B`, relative to the template's data.
    Root(Vec<String>),
    Literal(Value),
    Sub(Pipeline),
}

#[derive(Clone, Debug, PartialEq)]
enum Command {
    Call(String, Vec<Term>),
    Term(Term),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    nodes: Vec<Node>,
}

/// One `{{ }}` action or a run of text, with where it starts.
enum Piece {
    Text(String),
    Action(String, usize),
}

fn split(source: &str) -> Result<Vec<Piece>, TemplateError> {
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
enum Token {
    Field(Vec<String>),
    Root(Vec<String>),
    Word(String),
    Literal(Value),
    Open,
    Close,
    Pipe,
}

fn tokenize(action: &str, column: usize) -> Result<Vec<Token>, TemplateError> {
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

const FUNCTIONS: [&str; 14] = [
    "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "len", "index", "print", "printf",
    "println",
];

struct PipelineParser<'a> {
    tokens: &'a [Token],
    at: usize,
    column: usize,
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
                let inner = self.pipeline()?;
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

fn parse_pipeline(text: &str, column: usize) -> Result<Pipeline, TemplateError> {
    let tokens = tokenize(text, column)?;
    let mut parser = PipelineParser {
        tokens: &tokens,
        at: 0,
        column,
    };
    let pipeline = parser.pipeline()?;
    if parser.at != tokens.len() {
        return Err(parser.error(format!("unexpected tokens in {text:?}")));
    }
    Ok(pipeline)
}

/// How a list of nodes ended.
enum End {
    Eof,
    Keyword,
    Else(Option<(String, usize)>),
}

fn parse_nodes(
    pieces: &mut std::iter::Peekable<std::vec::IntoIter<Piece>>,
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
                    let (body, end, _) = parse_nodes(pieces)?;
                    branches.push((pipeline, body));
                    match end {
                        End::Keyword => {
                            nodes.push(Node::If(branches, Vec::new()));
                            break;
                        }
                        End::Else(Some(next)) => condition = next,
                        End::Else(None) => {
                            let (otherwise, end, at) = parse_nodes(pieces)?;
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
                let (body, end, at) = parse_nodes(pieces)?;
                let otherwise = match end {
                    End::Keyword => Vec::new(),
                    End::Else(None) => {
                        let (otherwise, end, at) = parse_nodes(pieces)?;
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

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        // A struct is always true in Go; the JSON of a struct is an object.
        Value::Object(_) => true,
    }
}

fn key_matches(key: &str, field: &str) -> bool {
    let mut a = key.chars().filter(|c| *c != '_' && *c != '-');
    let mut b = field.chars();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(&y) => {}
            _ => return false,
        }
    }
}

fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    if let Some(found) = object.get(name) {
        return Some(found);
    }
    if let Some((_, found)) = object.iter().find(|(k, _)| key_matches(k, name)) {
        return Some(found);
    }
    if name == "ObjectMeta" {
        return object.get("metadata");
    }
    // Go embeds ObjectMeta in every Kubernetes object.
    object.get("metadata").and_then(|meta| field(meta, name))
}

fn lookup(mut value: &Value, path: &[String]) -> Value {
    for name in path {
        match field(value, name) {
            Some(found) => value = found,
            None => return Value::Null,
        }
    }
    value.clone()
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn printf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('q') => out.push_str(&format!("{:?}", text(args.next().unwrap_or(&Value::Null)))),
            Some(_) => out.push_str(&text(args.next().unwrap_or(&Value::Null))),
            None => out.push('%'),
        }
    }
    out
}

struct Scope<'a> {
    root: &'a Value,
}

impl Scope<'_> {
    fn term(&self, term: &Term, dot: &Value) -> Result<Value, TemplateError> {
        Ok(match term {
            Term::Field(path) => lookup(dot, path),
            Term::Root(path) => lookup(self.root, path),
            Term::Literal(value) => value.clone(),
            Term::Sub(pipeline) => self.pipeline(pipeline, dot)?,
        })
    }

    fn pipeline(&self, pipeline: &Pipeline, dot: &Value) -> Result<Value, TemplateError> {
        let mut previous: Option<Value> = None;
        for command in &pipeline.0 {
            previous = Some(match command {
                Command::Term(term) => self.term(term, dot)?,
                Command::Call(name, terms) => {
                    let mut args = terms
                        .iter()
                        .map(|t| self.term(t, dot))
                        .collect::<Result<Vec<_>, _>>()?;
                    if let Some(piped) = previous.take() {
                        args.push(piped);
                    }
                    call(name, &args)?
                }
            });
        }
        Ok(previous.unwrap_or(Value::Null))
    }

    fn nodes(&self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Action(pipeline) => out.push_str(&text(&self.pipeline(pipeline, dot)?)),
                Node::If(branches, otherwise) => {
                    let mut taken = false;
                    for (condition, body) in branches {
                        if truthy(&self.pipeline(condition, dot)?) {
                            self.nodes(body, dot, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.nodes(otherwise, dot, out)?;
                    }
                }
                Node::With(pipeline, body, otherwise) => {
                    let value = self.pipeline(pipeline, dot)?;
                    if truthy(&value) {
                        self.nodes(body, &value, out)?;
                    } else {
                        self.nodes(otherwise, dot, out)?;
                    }
                }
                Node::Range(pipeline, body, otherwise) => {
                    let items: Vec<Value> = match self.pipeline(pipeline, dot)? {
                        Value::Array(items) => items,
                        Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
                        Value::Null => Vec::new(),
                        other => {
                            return Err(TemplateError::Execute(format!(
                                "range can't iterate over {other}"
                            )));
                        }
                    };
                    if items.is_empty() {
                        self.nodes(otherwise, dot, out)?;
                    }
                    for item in &items {
                        self.nodes(body, item, out)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn call(name: &str, args: &[Value]) -> Result<Value, TemplateError> {
    let arity = |n: usize| {
        if args.len() < n {
            Err(TemplateError::Execute(format!(
                "wrong number of args for {name}: want at least {n} got {}",
                args.len()
            )))
        } else {
            Ok(())
        }
    };
    let ordered = |want: fn(std::cmp::Ordering) -> bool| -> Result<Value, TemplateError> {
        arity(2)?;
        compare(&args[0], &args[1])
            .map(|o| Value::Bool(want(o)))
            .ok_or_else(|| {
                TemplateError::Execute(format!("{name}: incompatible types for comparison"))
            })
    };
    Ok(match name {
        "eq" => {
            arity(2)?;
            Value::Bool(args[1..].iter().any(|b| equal(&args[0], b)))
        }
        "ne" => {
            arity(2)?;
            Value::Bool(!equal(&args[0], &args[1]))
        }
        "lt" => ordered(|o| o.is_lt())?,
        "le" => ordered(|o| o.is_le())?,
        "gt" => ordered(|o| o.is_gt())?,
        "ge" => ordered(|o| o.is_ge())?,
        "and" => {
            arity(1)?;
            args.iter()
                .find(|v| !truthy(v))
                .unwrap_or(&args[args.len() - 1])
                .clone()
        }
        "or" => {
            arity(1)?;
            args.iter()
                .find(|v| truthy(v))
                .unwrap_or(&args[args.len() - 1])
                .clone()
        }
        "not" => {
            arity(1)?;
            Value::Bool(!truthy(&args[0]))
        }
        "len" => {
            arity(1)?;
            let length = match &args[0] {
                Value::String(s) => s.len(),
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                Value::Null => 0,
                other => {
                    return Err(TemplateError::Execute(format!("len of {other}")));
                }
            };
            Value::from(length)
        }
        "index" => {
            arity(1)?;
            let mut value = args[0].clone();
            for key in &args[1..] {
                value = match (&value, key) {
                    (Value::Array(items), Value::Number(n)) => {
                        let i = n.as_f64().unwrap_or(-1.0);
                        let found = (i >= 0.0).then(|| items.get(i as usize)).flatten();
                        found.cloned().ok_or_else(|| {
                            TemplateError::Execute(format!("index out of range: {i}"))
                        })?
                    }
                    (Value::Object(map), Value::String(k)) => {
                        map.get(k).cloned().unwrap_or(Value::Null)
                    }
                    (Value::Null, _) => {
                        return Err(TemplateError::Execute("index of untyped nil".into()));
                    }
                    (v, k) => {
                        return Err(TemplateError::Execute(format!("can't index {v} with {k}")));
                    }
                };
            }
            value
        }
        "print" => Value::String(args.iter().map(text).collect::<Vec<_>>().join("")),
        "println" => Value::String(format!(
            "{}\n",
            args.iter().map(text).collect::<Vec<_>>().join(" ")
        )),
        "printf" => {
            arity(1)?;
            Value::String(printf(&text(&args[0]), &args[1..]))
        }
        other => {
            return Err(TemplateError::Execute(format!(
                "function {other} not defined"
            )));
        }
    })
}

impl Template {
    /// Parses `source`; an error names the column of the action at fault.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut pieces = split(source)?.into_iter().peekable();
        let (nodes, end, column) = parse_nodes(&mut pieces)?;
        match end {
            End::Eof => Ok(Template { nodes }),
            End::Keyword => Err(TemplateError::Parse {
                column,
                message: "unexpected {{end}}".into(),
            }),
            End::Else(_) => Err(TemplateError::Parse {
                column,
                message: "unexpected {{else}}".into(),
            }),
        }
    }

    /// Renders the template with `data` as dot.
    pub fn execute(&self, data: &Value) -> Result<String, TemplateError> {
        let mut out = String::new();
        Scope { root: data }.nodes(&self.nodes, data, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]
    use super::*;
    use serde_json::json;

    /// Kubernetes' own `plank.job_url_template`.
    const K8S_JOB_URL: &str = r#"https://prow.k8s.io/view/gs/kubernetes-ci-logs/{{if eq .Spec.Type "presubmit"}}pr-logs/pull{{else if eq .Spec.Type "batch"}}pr-logs/pull{{else}}logs{{end}}{{if .Spec.Refs}}{{if ne .Spec.Refs.Org ""}}{{if ne .Spec.Refs.Org "kubernetes"}}/{{if eq .Spec.Refs.Org "kubernetes-sigs"}}sigs.k8s.io{{else}}{{.Spec.Refs.Org}}{{end}}_{{.Spec.Refs.Repo}}{{else if ne .Spec.Refs.Repo "kubernetes"}}/{{.Spec.Refs.Repo}}{{end}}{{end}}{{end}}{{if eq .Spec.Type "presubmit"}}/{{with index .Spec.Refs.Pulls 0}}{{.Number}}{{end}}{{else if eq .Spec.Type "batch"}}/batch{{end}}/{{.Spec.Job}}/{{.Status.BuildID}}/"#;

    fn job(job_type: &str, org: &str, repo: &str) -> Value {
        json!({"metadata": {"name": "abc"},
            "spec": {"type": job_type, "job": "pull-x", "refs": {"org": org, "repo": repo,
                "base_ref": "main", "pulls": [{"number": 123, "author": "alice"}]}},
            "status": {"build_id": "900", "state": "pending"}})
    }

    #[test]
    fn kubernetes_job_url_template_renders_like_go() {
        let template = Template::parse(K8S_JOB_URL).unwrap();
        let base = "https://prow.k8s.io/view/gs/kubernetes-ci-logs/";
        let cases = [
            (
                "presubmit",
                "kubernetes",
                "kubernetes",
                "pr-logs/pull/123/pull-x/900/",
            ),
            (
                "presubmit",
                "kubernetes",
                "test-infra",
                "pr-logs/pull/test-infra/123/pull-x/900/",
            ),
            (
                "presubmit",
                "kubernetes-sigs",
                "kind",
                "pr-logs/pull/sigs.k8s.io_kind/123/pull-x/900/",
            ),
            (
                "presubmit",
                "etcd-io",
                "etcd",
                "pr-logs/pull/etcd-io_etcd/123/pull-x/900/",
            ),
            (
                "batch",
                "kubernetes",
                "kubernetes",
                "pr-logs/pull/batch/pull-x/900/",
            ),
            (
                "postsubmit",
                "kubernetes",
                "test-infra",
                "logs/test-infra/pull-x/900/",
            ),
        ];
        for (job_type, org, repo, want) in cases {
            assert_eq!(
                template.execute(&job(job_type, org, repo)).unwrap(),
                format!("{base}{want}"),
                "{job_type} {org}/{repo}"
            );
        }
        let periodic =
            json!({"spec": {"type": "periodic", "job": "ci-x"}, "status": {"build_id": "1"}});
        assert_eq!(
            template.execute(&periodic).unwrap(),
            format!("{base}logs/ci-x/1/")
        );
    }

    #[test]
    fn functions_ranges_trimming_and_embedded_metadata() {
        let cases = [
            ("{{.Name}} {{.ObjectMeta.Name}}", "abc abc"),
            (
                "{{range .Spec.Refs.Pulls}}#{{.Number}} by {{.Author}}{{end}}",
                "#123 by alice",
            ),
            ("{{range .Spec.ExtraRefs}}x{{else}}none{{end}}", "none"),
            ("a  {{- .Spec.Job -}}  b", "apull-xb"),
            ("{{if and .Spec.Refs (not .Spec.Report)}}yes{{end}}", "yes"),
            (
                "{{len .Spec.Refs.Pulls}} {{printf \"%s/%d\" .Spec.Job 7}}",
                "1 pull-x/7",
            ),
            ("{{.Spec.Job | printf \"[%s]\"}}", "[pull-x]"),
            (
                "{{if eq .Status.State \"success\" \"pending\"}}live{{end}}",
                "live",
            ),
            ("{{/* a comment */}}{{$.Spec.Type}}", "presubmit"),
            ("{{index .Spec.Refs \"org\"}}", "o"),
        ];
        let data = job("presubmit", "o", "r");
        for (source, want) in cases {
            assert_eq!(
                Template::parse(source).unwrap().execute(&data).unwrap(),
                want,
                "{source}"
            );
        }
    }

    #[test]
    fn errors_name_the_problem_and_column() {
        let cases = [
            ("{{if .A}}x", "column 1: unexpected EOF"),
            ("ab{{.A", "column 3: unclosed action"),
            ("{{end}}", "unexpected {{end}}"),
            (
                "x {{frobnicate .A}}",
                "column 3: function \"frobnicate\" not defined",
            ),
            ("{{template \"x\"}}", "not supported"),
        ];
        for (source, want) in cases {
            let error = Template::parse(source).unwrap_err().to_string();
            assert!(error.contains(want), "{source}: {error}");
        }
        let index = Template::parse("{{index .Spec.Refs.Pulls 3}}").unwrap();
        assert!(index.execute(&job("presubmit", "o", "r")).is_err());
    }
}
