//! Prow's other YAML files, read with the same rules and the same located diagnostics as
//! `config.yaml`: peribolos' org file, a repository's `.prow.yaml`. A caller's own checks name a
//! [`YamlPath`]; [`locate`] turns it into a line and column of the same text.

use crate::diagnostics::{Diagnostic, DiagnosticKind, PathSegment, Severity, YamlPath};
use crate::loader::Source;
use crate::{LoadOptions, yaml};
use serde::de::DeserializeOwned;

/// A file read into `T`, with the warnings met on the way (unknown keys outside strict mode,
/// repeated keys), each located.
#[derive(Debug)]
pub struct Document<T> {
    pub value: T,
    pub warnings: Vec<Diagnostic>,
}

/// Reads `source` into `T`. Unknown keys are warnings, or errors when `options.strict`; a file
/// that is not YAML or has a value of the wrong shape is an error. Every diagnostic names the
/// file, line and column.
pub fn read_document<T: DeserializeOwned + Default>(
    source: &Source,
    options: LoadOptions,
) -> Result<Document<T>, Vec<Diagnostic>> {
    let severity = if options.strict {
        Severity::Error
    } else {
        Severity::Warning
    };
    let parsed = match yaml::parse_file::<T>(&source.text, true) {
        Ok(parsed) => parsed,
        Err(error) => {
            let mut problem = Diagnostic::error(
                DiagnosticKind::Syntax,
                source.name.clone(),
                error.path.unwrap_or_default(),
                error.message,
            );
            problem.location = error.location;
            let mut problems = vec![problem];
            locate(source, &mut problems);
            return Err(problems);
        }
    };
    let mut diagnostics: Vec<Diagnostic> = parsed
        .unknown
        .into_iter()
        .map(|path| {
            let key = match path.0.last() {
                Some(PathSegment::Key(key)) => key.clone(),
                Some(PathSegment::Index(index)) => index.to_string(),
                None => String::new(),
            };
            Diagnostic {
                severity,
                kind: DiagnosticKind::UnknownField,
                file: source.name.clone(),
                location: None,
                job: None,
                message: format!("unknown field {key:?} at {path}"),
                path,
            }
        })
        .collect();
    for note in parsed.notes {
        if let yaml::Note::RepeatedKey { path, first, again } = note {
            diagnostics.push(Diagnostic {
                severity,
                kind: DiagnosticKind::RepeatedKey,
                file: source.name.clone(),
                location: Some(again),
                job: None,
                message: format!(
                    "key at {path} is given twice (first at line {}); the last value is used",
                    first.line
                ),
                path,
            });
        }
    }
    locate(source, &mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Document {
        value: parsed.value,
        warnings: diagnostics,
    })
}

/// Fills in the line and column of every diagnostic about `source` that has none, from its path.
pub fn locate(source: &Source, diagnostics: &mut [Diagnostic]) {
    let mut tree = None;
    for diagnostic in diagnostics
        .iter_mut()
        .filter(|d| d.location.is_none() && d.file == source.name)
    {
        let tree = tree.get_or_insert_with(|| yaml::LocationTree::parse(&source.text));
        if let Some(tree) = tree {
            diagnostic.location = tree.locate(&diagnostic.path);
        }
    }
}

/// An error about the value at `path` of `source`, located.
pub fn problem_at(source: &Source, path: YamlPath, message: String) -> Diagnostic {
    let mut problems = [Diagnostic::error(
        DiagnosticKind::Invalid,
        source.name.clone(),
        path,
        message,
    )];
    locate(source, &mut problems);
    let [problem] = problems;
    problem
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    struct Team {
        #[serde(default)]
        members: Vec<String>,
    }

    #[derive(Debug, Default, Deserialize)]
    struct Org {
        #[serde(default)]
        teams: std::collections::BTreeMap<String, Team>,
    }

    const TEXT: &str = "teams:\n  owners:\n    members: [alice]\n    memebrs: [bob]\n";

    #[test]
    fn unknown_keys_are_located_warnings_or_errors_in_strict_mode() {
        let source = Source::new("org.yaml", TEXT);
        let read = read_document::<Org>(&source, LoadOptions::default()).expect("lenient read");
        assert_eq!(read.value.teams["owners"].members, ["alice"]);
        let shown: Vec<String> = read.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["org.yaml:4:5: warning: unknown field \"memebrs\" at teams.owners.memebrs"]
        );
        let strict = read_document::<Org>(&source, LoadOptions { strict: true })
            .expect_err("strict mode refuses unknown keys");
        assert!(strict[0].is_error());
        assert_eq!(strict[0].location.map(|l| l.line), Some(4));
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_a_located_error() {
        let source = Source::new("org.yaml", "teams:\n  owners:\n    members: 3\n");
        let problems = read_document::<Org>(&source, LoadOptions::default())
            .expect_err("a number is not a list");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, DiagnosticKind::Syntax);
        assert_eq!(
            problems[0].location.map(|l| l.line),
            Some(3),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn a_callers_problem_is_located_by_its_path() {
        let source = Source::new("org.yaml", TEXT);
        let problem = problem_at(
            &source,
            YamlPath::root().key("teams").key("owners").key("members"),
            "too few".into(),
        );
        assert_eq!(problem.to_string(), "org.yaml:3:5: error: too few");
    }
}
