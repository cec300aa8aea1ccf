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
//! comments and `{{-` / `-}}` trimming. Nesting, execution steps and output are bounded
//! ([`MAX_NESTING`], [`MAX_STEPS`], [`MAX_OUTPUT_BYTES`]), so no template hangs or exhausts memory.

mod exec;
mod lex;
mod parse;

use exec::Scope;
use lex::split;
use parse::{End, parse_nodes};
use serde_json::Value;

/// How deeply blocks (`if`, `with`, `range`) and parenthesised pipelines may nest. Parsing and
/// executing recurse once a level, so without a bound a template could overflow the stack; the
/// templates Prow's configuration carries nest a few levels.
pub const MAX_NESTING: usize = 100;
/// How many nodes and range iterations one execution may take: a `range` inside a `range`
/// multiplies, so a short template could otherwise run for ever.
pub const MAX_STEPS: usize = 100_000;
/// The most one execution may write. Prow renders URLs, descriptions and comments, far shorter.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template: column {column}: {message}")]
    Parse { column: usize, message: String },
    #[error("template: executing: {0}")]
    Execute(String),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Text(String),
    Action(Pipeline),
    If(Vec<(Pipeline, Vec<Node>)>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
}

/// Commands joined by `|`: each result is the last argument of the next.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pipeline(pub(crate) Vec<Command>);

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Term {
    /// `.A.B` (empty path: `.`), relative to dot.
    Field(Vec<String>),
    /// `$.A.B`, relative to the template's data.
    Root(Vec<String>),
    Literal(Value),
    Sub(Pipeline),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Command {
    Call(String, Vec<Term>),
    Term(Term),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    nodes: Vec<Node>,
}

impl Template {
    /// Parses `source`; an error names the column of the action at fault.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut pieces = split(source)?.into_iter().peekable();
        let (nodes, end, column) = parse_nodes(&mut pieces, 0)?;
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
        Scope::new(data).nodes(&self.nodes, data, &mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
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

    // Found while fuzzing go_template (tests/fuzz/regressions/go_template): deep nesting overflowed
    // the stack, and ranges inside ranges ran for ever or filled memory.
    #[test]
    fn nesting_deeper_than_the_limit_is_a_parse_error_not_a_stack_overflow() {
        let parens = format!("{{{{{}1{}}}}}", "(".repeat(5000), ")".repeat(5000));
        let error = Template::parse(&parens).unwrap_err().to_string();
        assert_eq!(
            error,
            "template: column 1: nested more than 100 levels deep"
        );
        let blocks = format!("x{}{}", "{{if 1}}".repeat(5000), "{{end}}".repeat(5000));
        let error = Template::parse(&blocks).unwrap_err().to_string();
        assert_eq!(
            error,
            "template: column 802: nested more than 100 levels deep"
        );
        let deepest = format!("{}{}", "{{with .}}".repeat(100), "{{end}}".repeat(100));
        assert_eq!(
            Template::parse(&deepest)
                .unwrap()
                .execute(&json!({"a": 1}))
                .unwrap(),
            ""
        );
    }

    #[test]
    fn ranges_that_multiply_stop_with_an_error() {
        let data = json!({"items": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]});
        let forever = format!("{}{}", "{{range $.Items}}".repeat(12), "{{end}}".repeat(12));
        let error = Template::parse(&forever)
            .unwrap()
            .execute(&data)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "template: executing: more than 100000 steps: a range inside a range multiplies"
        );
        let huge = "{{range $.Items}}{{range $.Items}}{{range $.Items}}{{range $.Items}}\
            {{printf \"%s%s%s%s%s%s%s%s\" $ $ $ $ $ $ $ $}}{{end}}{{end}}{{end}}{{end}}";
        let error = Template::parse(huge).unwrap().execute(&data).unwrap_err();
        assert_eq!(
            error.to_string(),
            "template: executing: the output would be larger than 1048576 bytes"
        );
    }
}
