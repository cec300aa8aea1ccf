//! Reading OWNERS and OWNERS_ALIASES files as upstream does: YAML read as YAML 1.1 into a tree,
//! then decoded the way Go's `encoding/json` decodes it (sigs.k8s.io/yaml): keys matched without
//! case, unknown keys ignored, a value of the wrong type an error naming the field. So a file
//! that upstream rejects is rejected here, and one it reads is read the same.

use regex::Regex;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::LazyLock;

/// An OWNERS file's `options`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirOptions {
    pub no_parent_owners: bool,
    pub auto_approve_unowned_subfolders: bool,
}

/// The people and labels of a directory (upstream `repoowners.Config`), as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnersConfig {
    pub approvers: Vec<String>,
    pub reviewers: Vec<String>,
    pub required_reviewers: Vec<String>,
    pub labels: Vec<String>,
}

/// The plain form: options and one config for everything in the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimpleConfig {
    pub options: DirOptions,
    pub config: OwnersConfig,
}

impl SimpleConfig {
    /// Upstream `SimpleConfig.Empty`: options do not count.
    pub fn is_empty(&self) -> bool {
        self.config.approvers.is_empty()
            && self.config.reviewers.is_empty()
            && self.config.required_reviewers.is_empty()
            && self.config.labels.is_empty()
    }
}

/// The `filters` form: a config per regex over file paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FullConfig {
    pub options: DirOptions,
    pub filters: BTreeMap<String, OwnersConfig>,
}

/// An OWNERS file as upstream reads it: the plain form, unless that fails or names nobody,
/// then the `filters` form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnersFile {
    Simple(SimpleConfig),
    Full(FullConfig),
}

/// Why a file does not parse, in the words upstream's libraries use (verify-owners shows it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ParseError {
    fn syntax(line: Option<usize>, message: &str) -> ParseError {
        let message = match line {
            Some(line) => format!("error converting YAML to JSON: yaml: line {line}: {message}"),
            None => format!("error converting YAML to JSON: yaml: {message}"),
        };
        ParseError { message }
    }

    fn type_error(value: &Value, field: &str, go_type: &str) -> ParseError {
        ParseError {
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type {go_type}",
                json_kind(value)
            ),
        }
    }

    fn value_error(value: &Value, go_type: &str) -> ParseError {
        ParseError {
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {go_type}",
                json_kind(value)
            ),
        }
    }
}

/// How encoding/json names a JSON value's kind in its errors.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// How Go's `%T` names a decoded `interface{}` value.
fn go_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        with_snippet: false,
        // Go's YAML reader is YAML 1.1: `0400` is octal, `yes` a boolean.
        legacy_octal_numbers: true,
    }
}

/// The first YAML document of `text` as a tree (`null` for an empty one).
fn yaml_tree(text: &str) -> Result<Value, ParseError> {
    let first = first_document(text);
    serde_saphyr::from_str_with_options::<Option<Value>>(first, yaml_options())
        .map(Option::unwrap_or_default)
        .map_err(|error| {
            let line = error.location().map(|l| l.line() as usize);
            let message = error.to_string();
            let message = message.lines().next().unwrap_or_default();
            let message = message.split(" at line ").next().unwrap_or(message).trim();
            ParseError::syntax(line, message)
        })
}

/// Go's YAML reader reads only a file's first document; so does this.
fn first_document(text: &str) -> &str {
    let mut offset = 0;
    let mut started = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        let is_marker = |marker: &str| {
            bare == marker
                || bare
                    .strip_prefix(marker)
                    .is_some_and(|rest| rest.starts_with([' ', '\t']))
        };
        let content = !bare.trim().is_empty() && !bare.trim_start().starts_with('#');
        if is_marker("---") {
            if started {
                return &text[..offset];
            }
            started = true;
        } else if is_marker("...") {
            return &text[..offset];
        } else if content {
            started = true;
        }
        offset += line.len();
    }
    text
}

/// The value of `object`'s key `name`, matched as encoding/json matches struct fields: exactly,
/// else without case.
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

fn string_list(value: Option<&Value>, field_path: &str) -> Result<Vec<String>, ParseError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(text) => Ok(text.clone()),
                // encoding/json leaves a string as it is for `null`.
                Value::Null => Ok(String::new()),
                other => Err(ParseError::type_error(other, field_path, "string")),
            })
            .collect(),
        Some(other) => Err(ParseError::type_error(other, field_path, "[]string")),
    }
}

fn bool_field(value: Option<&Value>, field_path: &str) -> Result<bool, ParseError> {
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(other) => Err(ParseError::type_error(other, field_path, "bool")),
    }
}

fn dir_options(value: Option<&Value>, owner: &str) -> Result<DirOptions, ParseError> {
    let path = format!("{owner}.options");
    match value {
        None | Some(Value::Null) => Ok(DirOptions::default()),
        Some(Value::Object(object)) => Ok(DirOptions {
            no_parent_owners: bool_field(
                field(object, "no_parent_owners"),
                &format!("{path}.no_parent_owners"),
            )?,
            auto_approve_unowned_subfolders: bool_field(
                field(object, "auto_approve_unowned_subfolders"),
                &format!("{path}.auto_approve_unowned_subfolders"),
            )?,
        }),
        Some(other) => Err(ParseError::type_error(
            other,
            &path,
            "repoowners.dirOptions",
        )),
    }
}

fn owners_config(object: &Map<String, Value>, owner: &str) -> Result<OwnersConfig, ParseError> {
    let list = |name: &str| string_list(field(object, name), &format!("{owner}.{name}"));
    Ok(OwnersConfig {
        approvers: list("approvers")?,
        reviewers: list("reviewers")?,
        required_reviewers: list("required_reviewers")?,
        labels: list("labels")?,
    })
}

/// Upstream `LoadSimpleConfig`.
pub fn parse_simple(text: &str) -> Result<SimpleConfig, ParseError> {
    match yaml_tree(text)? {
        Value::Null => Ok(SimpleConfig::default()),
        Value::Object(object) => Ok(SimpleConfig {
            options: dir_options(field(&object, "options"), "SimpleConfig")?,
            config: owners_config(&object, "SimpleConfig")?,
        }),
        other => Err(ParseError::value_error(&other, "repoowners.SimpleConfig")),
    }
}

/// Upstream `LoadFullConfig`.
pub fn parse_full(text: &str) -> Result<FullConfig, ParseError> {
    let object = match yaml_tree(text)? {
        Value::Null => return Ok(FullConfig::default()),
        Value::Object(object) => object,
        other => return Err(ParseError::value_error(&other, "repoowners.FullConfig")),
    };
    let options = dir_options(field(&object, "options"), "FullConfig")?;
    let mut filters = BTreeMap::new();
    match field(&object, "filters") {
        None | Some(Value::Null) => {}
        Some(Value::Object(entries)) => {
            for (pattern, config) in entries {
                let config = match config {
                    Value::Null => OwnersConfig::default(),
                    Value::Object(config) => owners_config(config, "FullConfig.filters")?,
                    other => {
                        return Err(ParseError::type_error(
                            other,
                            "FullConfig.filters",
                            "repoowners.Config",
                        ));
                    }
                };
                filters.insert(pattern.clone(), config);
            }
        }
        Some(other) => {
            return Err(ParseError::type_error(
                other,
                "FullConfig.filters",
                "map[string]repoowners.Config",
            ));
        }
    }
    Ok(FullConfig { options, filters })
}

/// An OWNERS file as upstream's loader reads it; an error when neither form parses.
pub fn parse_owners(text: &str) -> Result<OwnersFile, ParseError> {
    match parse_simple(text) {
        Ok(simple) if !simple.is_empty() => Ok(OwnersFile::Simple(simple)),
        _ => parse_full(text).map(OwnersFile::Full),
    }
}

/// Upstream `github.NormLogin`.
pub fn norm_login(login: &str) -> String {
    let lower = login.to_lowercase();
    lower.strip_prefix('@').unwrap_or(&lower).to_string()
}

/// Alias names to their members, all normalized (upstream `RepoAliases`).
pub type Aliases = BTreeMap<String, BTreeSet<String>>;

/// Upstream `ParseAliasesConfig`: the aliases, and the first error if any (the aliases read
/// before it are kept, as upstream keeps them).
pub fn parse_aliases(text: &str) -> (Aliases, Option<ParseError>) {
    let mut aliases = Aliases::new();
    let tree = match yaml_tree(text) {
        Ok(tree) => tree,
        Err(error) => return (aliases, Some(error)),
    };
    let groups = match &tree {
        Value::Null => return (aliases, None),
        Value::Object(object) => match field(object, "aliases") {
            None | Some(Value::Null) => return (aliases, None),
            Some(Value::Object(groups)) => groups,
            Some(other) => {
                let error = ParseError::type_error(other, ".aliases", "map[string]interface {}");
                return (aliases, Some(error));
            }
        },
        other => {
            let error = ParseError::value_error(
                other,
                "struct { Data map[string]interface {} \"json:\\\"aliases,omitempty\\\"\" }",
            );
            return (aliases, Some(error));
        }
    };
    for (alias, members) in groups {
        let members: BTreeSet<String> = match members {
            Value::Array(items) => {
                let mut names = BTreeSet::new();
                for item in items {
                    let Value::String(name) = item else {
                        let message = format!(
                            "unexpected type for alias group member: {}",
                            go_type_name(item)
                        );
                        return (aliases, Some(ParseError { message }));
                    };
                    names.insert(norm_login(name));
                }
                names
            }
            Value::String(_) => {
                let message = format!("alias group '{alias}' must contain a list of members");
                return (aliases, Some(ParseError { message }));
            }
            // A flow mapping (`{carl, dan}`): its keys are the members.
            Value::Object(keys) => keys.keys().map(|k| norm_login(k)).collect(),
            Value::Null => BTreeSet::new(),
            other => {
                let message = format!("unexpected type for alias group: {}", go_type_name(other));
                return (aliases, Some(ParseError { message }));
            }
        };
        aliases.insert(norm_login(alias), members);
    }
    (aliases, None)
}

/// Upstream's markdown header: from a leading `---` line to the last `\n---` of the file.
static MD_HEADER: LazyLock<Regex> =
    LazyLock::new(|| crate::plugins::pattern(r"^---\n(?:.|\n)*\n---"));

/// The OWNERS header of a markdown file, as a plain config; `None` when the header does not
/// parse (upstream then skips the file). No header is an empty config.
pub fn parse_md_header(text: &str) -> Option<SimpleConfig> {
    let header = MD_HEADER.find(text).map_or("", |m| m.as_str());
    parse_simple(header).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(approvers: &[&str]) -> OwnersFile {
        OwnersFile::Simple(SimpleConfig {
            config: OwnersConfig {
                approvers: approvers.iter().map(|a| a.to_string()).collect(),
                ..OwnersConfig::default()
            },
            ..SimpleConfig::default()
        })
    }

    #[test]
    fn the_plain_form_reads_its_lists_with_keys_in_any_case_and_unknown_keys_ignored() {
        let text = "Approvers:\n- Alice\n- '@bob'\nreviewers: [carol]\nemeritus_approvers: [old]\nreviewer: [typo]\noptions:\n  no_parent_owners: true\n";
        let OwnersFile::Simple(parsed) = parse_owners(text).unwrap() else {
            panic!("a plain file");
        };
        assert_eq!(parsed.config.approvers, ["Alice", "@bob"]);
        assert_eq!(parsed.config.reviewers, ["carol"]);
        assert!(parsed.options.no_parent_owners);
        assert!(!parsed.options.auto_approve_unowned_subfolders);
    }

    #[test]
    fn filters_are_read_when_the_plain_form_names_nobody() {
        let text = "options:\n  no_parent_owners: true\nfilters:\n  '.*':\n    approvers: [alice]\n  '\\.go$':\n    labels: [lang/go]\n";
        let OwnersFile::Full(full) = parse_owners(text).unwrap() else {
            panic!("a filters file");
        };
        assert!(full.options.no_parent_owners);
        assert_eq!(full.filters[".*"].approvers, ["alice"]);
        assert_eq!(full.filters["\\.go$"].labels, ["lang/go"]);
        // Top-level people win: the filters are then not read.
        let both = "approvers: [bob]\nfilters:\n  '.*':\n    approvers: [alice]\n";
        assert_eq!(parse_owners(both).unwrap(), simple(&["bob"]));
    }

    #[test]
    fn wrong_types_fail_the_plain_form_and_leave_an_empty_filters_form() {
        for text in [
            "approvers:\n- 1234\n",
            "approvers:\n- yes\n",
            "approvers: alice\n",
        ] {
            assert!(parse_simple(text).is_err(), "{text:?}");
            assert_eq!(
                parse_owners(text).unwrap(),
                OwnersFile::Full(FullConfig::default()),
                "{text:?}"
            );
        }
        let error = parse_simple("approvers:\n- 1234\n").unwrap_err();
        assert_eq!(
            error.message,
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go struct field SimpleConfig.approvers of type string"
        );
    }

    #[test]
    fn files_neither_form_reads_are_errors_with_their_line() {
        let error = parse_owners("approvers:\n- alice\nreviewers\n- bob\n  x: [\n").unwrap_err();
        assert!(
            error
                .message
                .starts_with("error converting YAML to JSON: yaml: line "),
            "{error}"
        );
        let error = parse_owners("options: {no_parent_owners: maybe}\n").unwrap_err();
        assert_eq!(
            error.message,
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field FullConfig.options.no_parent_owners of type bool"
        );
        assert!(parse_owners("- alice\n").is_err());
    }

    #[test]
    fn empty_files_and_nulls_name_nobody() {
        assert_eq!(
            parse_owners("").unwrap(),
            OwnersFile::Full(FullConfig::default())
        );
        assert_eq!(
            parse_owners("# nobody\napprovers:\n").unwrap(),
            OwnersFile::Full(FullConfig::default())
        );
        assert_eq!(
            parse_owners("approvers: [~, a]\n").unwrap(),
            simple(&["", "a"])
        );
    }

    #[test]
    fn only_the_first_document_is_read() {
        assert_eq!(
            parse_owners("---\napprovers: [a]\n---\napprovers: [b]\n").unwrap(),
            simple(&["a"])
        );
    }

    #[test]
    fn aliases_are_normalized_and_errors_keep_what_was_read() {
        let (aliases, error) = parse_aliases(
            "aliases:\n  Sig-Foo: ['@Alice', bob]\n  flow: {carl, dan}\n  empty-group:\n",
        );
        assert_eq!(error, None);
        assert_eq!(
            aliases["sig-foo"],
            BTreeSet::from(["alice".to_string(), "bob".to_string()])
        );
        assert_eq!(aliases["flow"].len(), 2);
        assert!(aliases["empty-group"].is_empty());

        let (aliases, error) = parse_aliases("aliases:\n  a: [x]\n  b: just-one\n");
        assert_eq!(
            error.unwrap().message,
            "alias group 'b' must contain a list of members"
        );
        assert!(aliases.contains_key("a"));
        let (_, error) = parse_aliases("aliases:\n  a: [1]\n");
        assert_eq!(
            error.unwrap().message,
            "unexpected type for alias group member: float64"
        );
        let (_, error) = parse_aliases("aliases:\n  a: 3\n");
        assert_eq!(
            error.unwrap().message,
            "unexpected type for alias group: float64"
        );
    }

    #[test]
    fn markdown_headers_are_plain_configs() {
        let parsed = parse_md_header("---\napprovers: [alice]\n---\n# Title\n\ntext\n").unwrap();
        assert_eq!(parsed.config.approvers, ["alice"]);
        assert!(parse_md_header("# Title\n").unwrap().is_empty());
        // Greedy as upstream's: up to the last `\n---`, of which only the first document counts.
        let parsed = parse_md_header("---\nreviewers: [bob]\n---\ntext\n\n---\nmore\n").unwrap();
        assert_eq!(parsed.config.reviewers, ["bob"]);
    }
}
