//! What configuration loading reports: each problem with its file, line and column, and the job
//! it concerns, so an operator can go straight to it.

use std::fmt;
use std::sync::Arc;

/// A position in a YAML file, 1-based as editors count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub line: u64,
    pub column: u64,
}

/// A path into a YAML document: mapping keys and sequence indexes from the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct YamlPath(pub Vec<PathSegment>);

#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

impl YamlPath {
    pub fn root() -> Self {
        YamlPath(Vec::new())
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(PathSegment::Key(key.into()));
        self
    }

    pub fn index(mut self, index: usize) -> Self {
        self.0.push(PathSegment::Index(index));
        self
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if i == 0 => write!(f, "{key}")?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// The kind of problem, for metrics and for tests that assert on what was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// The file is not YAML, or a value has the wrong type.
    Syntax,
    /// A key upstream Prow does not know (a typo, usually).
    UnknownField,
    /// Two jobs of one repository with the same name that could run on the same branch.
    DuplicateJob,
    /// Two jobs of one repository reporting to the same status context on a shared branch.
    DuplicateContext,
    InvalidRegex,
    InvalidSchedule,
    /// Any other rule of upstream's validation.
    Invalid,
    /// Something upstream provides that this project does not build (a plugin): a warning.
    NotBuilt,
    /// A file could not be read.
    Io,
    /// A key given twice in one mapping: upstream silently uses the last value.
    RepeatedKey,
    /// A key written in another case than its field: upstream matches it ignoring case.
    KeyCase,
    /// Content upstream never reads, such as a second YAML document in a file.
    IgnoredContent,
}

/// One problem found while loading configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub kind: DiagnosticKind,
    /// The file as it was named to the loader (relative paths stay relative).
    pub file: Arc<str>,
    pub location: Option<Location>,
    /// Where in the document, used to find `location`.
    pub path: YamlPath,
    /// The job concerned, when there is one.
    pub job: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(kind: DiagnosticKind, file: Arc<str>, path: YamlPath, message: String) -> Self {
        Diagnostic {
            severity: Severity::Error,
            kind,
            file,
            location: None,
            path,
            job: None,
            message,
        }
    }

    pub fn for_job(mut self, job: &str) -> Self {
        self.job = Some(job.to_string());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: error: job "name": message`, the shape compilers use, so editors and CI
    /// annotations can jump to it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(location) = self.location {
            write!(f, ":{}:{}", location.line, location.column)?;
        }
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, ": {severity}: ")?;
        if let Some(job) = &self.job {
            write!(f, "job {job:?}: ")?;
        }
        f.write_str(&self.message)
    }
}
