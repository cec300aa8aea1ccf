//! The executor: the node tree over a JSON value, with Go's truthiness, field lookup by Go name,
//! comparisons and the functions Prow's templates use.

use crate::{Command, MAX_OUTPUT_BYTES, MAX_STEPS, Node, Pipeline, TemplateError, Term};
use serde_json::Value;
use std::cell::Cell;
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

pub(crate) struct Scope<'a> {
    root: &'a Value,
    /// Nodes and range iterations taken so far (see [`MAX_STEPS`]).
    steps: Cell<usize>,
}

impl<'a> Scope<'a> {
    pub(crate) fn new(root: &'a Value) -> Self {
        Scope {
            root,
            steps: Cell::new(0),
        }
    }

    fn step(&self) -> Result<(), TemplateError> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_STEPS {
            return Err(TemplateError::Execute(format!(
                "more than {MAX_STEPS} steps: a range inside a range multiplies"
            )));
        }
        Ok(())
    }

    fn write(out: &mut String, text: &str) -> Result<(), TemplateError> {
        if out.len() + text.len() > MAX_OUTPUT_BYTES {
            return Err(TemplateError::Execute(format!(
                "the output would be larger than {MAX_OUTPUT_BYTES} bytes"
            )));
        }
        out.push_str(text);
        Ok(())
    }

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

    pub(crate) fn nodes(
        &self,
        nodes: &[Node],
        dot: &Value,
        out: &mut String,
    ) -> Result<(), TemplateError> {
        for node in nodes {
            self.step()?;
            match node {
                Node::Text(t) => Self::write(out, t)?,
                Node::Action(pipeline) => Self::write(out, &text(&self.pipeline(pipeline, dot)?))?,
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
                        self.step()?;
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
