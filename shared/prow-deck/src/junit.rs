//! JUnit results from a run's artifacts (upstream's junit lens): every test case of every
//! `artifacts/junit*.xml`, failed ones first.

use quick_xml::events::{BytesStart, Event};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Failed,
    Flaky,
    Skipped,
    Passed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestCase {
    /// The suite's name, when it has one.
    pub suite: String,
    pub name: String,
    pub outcome: Outcome,
    /// Seconds.
    pub time: f64,
    /// The failure's message and text, or the skip's message.
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct JunitResults {
    /// Failed first, then flaky, skipped and passed; by name within each.
    pub cases: Vec<TestCase>,
}

impl JunitResults {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.cases.iter().filter(|c| c.outcome == outcome).count()
    }

    pub fn merge(&mut self, other: JunitResults) {
        self.cases.extend(other.cases);
        self.sort();
    }

    fn sort(&mut self) {
        self.cases.sort_by(|a, b| {
            (a.outcome, &a.suite, &a.name)
                .partial_cmp(&(b.outcome, &b.suite, &b.name))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{file} is not JUnit XML: {reason}")]
pub struct JunitError {
    pub file: String,
    pub reason: String,
}

/// Whether an artifact is a JUnit file the page reads (upstream's `artifacts/junit.*\.xml`).
pub fn is_junit(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    key.contains("artifacts/") && name.starts_with("junit") && name.ends_with(".xml")
}

fn attribute(element: &BytesStart<'_>, name: &[u8]) -> String {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
        .unwrap_or_default()
}

/// The cases of one file. A case that failed and also passed on a retry (two entries of the same
/// name, one with a failure) is flaky, as the junit lens says.
pub fn parse(file: &str, xml: &[u8]) -> Result<JunitResults, JunitError> {
    let failed = |reason: String| JunitError {
        file: file.to_string(),
        reason,
    };
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buffer = Vec::new();
    let mut suites: Vec<String> = Vec::new();
    let mut cases: Vec<TestCase> = Vec::new();
    let mut current: Option<TestCase> = None;
    let mut in_message = false;
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|e| failed(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                let empty = matches!(event, Event::Empty(_));
                match element.name().as_ref() {
                    b"testsuites" => saw_root = true,
                    b"testsuite" => {
                        saw_root = true;
                        if !empty {
                            suites.push(attribute(element, b"name"));
                        }
                    }
                    b"testcase" => {
                        if let Some(case) = current.take() {
                            cases.push(case);
                        }
                        let case = TestCase {
                            suite: suites.last().cloned().unwrap_or_default(),
                            name: attribute(element, b"name"),
                            outcome: Outcome::Passed,
                            time: attribute(element, b"time").parse().unwrap_or(0.0),
                            message: String::new(),
                        };
                        if empty {
                            cases.push(case);
                        } else {
                            current = Some(case);
                        }
                    }
                    b"failure" | b"error" => {
                        if let Some(case) = &mut current {
                            case.outcome = Outcome::Failed;
                            case.message = attribute(element, b"message");
                            in_message = !empty;
                        }
                    }
                    b"skipped" => {
                        if let Some(case) = &mut current
                            && case.outcome == Outcome::Passed
                        {
                            case.outcome = Outcome::Skipped;
                            case.message = attribute(element, b"message");
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) if in_message => {
                if let Some(case) = &mut current {
                    let text = text.decode().map_err(|e| failed(e.to_string()))?;
                    push_text(&mut case.message, &text);
                }
            }
            Event::CData(text) if in_message => {
                if let Some(case) = &mut current {
                    push_text(&mut case.message, &String::from_utf8_lossy(&text));
                }
            }
            Event::End(element) => match element.name().as_ref() {
                b"failure" | b"error" => in_message = false,
                b"testcase" => {
                    if let Some(case) = current.take() {
                        cases.push(case);
                    }
                }
                b"testsuite" => {
                    suites.pop();
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if let Some(case) = current.take() {
        cases.push(case);
    }
    if !saw_root {
        return Err(failed("no <testsuite> or <testsuites> element".into()));
    }
    // Same case failed and passed: flaky.
    let mut results = JunitResults::default();
    for case in &cases {
        let passed_too = case.outcome == Outcome::Failed
            && cases.iter().any(|other| {
                other.outcome == Outcome::Passed
                    && other.name == case.name
                    && other.suite == case.suite
            });
        let failed_too = case.outcome == Outcome::Passed
            && cases.iter().any(|other| {
                other.outcome == Outcome::Failed
                    && other.name == case.name
                    && other.suite == case.suite
            });
        if failed_too {
            continue;
        }
        let mut case = case.clone();
        if passed_too {
            case.outcome = Outcome::Flaky;
        }
        results.cases.push(case);
    }
    results.sort();
    Ok(results)
}

fn push_text(message: &mut String, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if !message.is_empty() {
        message.push('\n');
    }
    message.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_come_first_with_their_messages() {
        let xml = br#"<?xml version="1.0"?>
<testsuites>
  <testsuite name="app" tests="4">
    <testcase name="TestB" time="0.5"/>
    <testcase name="TestA" time="1.25"><failure message="want 1, got 2">app_test.go:12: want 1, got 2</failure></testcase>
    <testcase name="TestC"><skipped message="needs a GPU"/></testcase>
    <testcase name="TestD"><error message="boom"><![CDATA[panic: boom]]></error></testcase>
  </testsuite>
</testsuites>"#;
        let results = parse("junit.xml", xml).unwrap();
        let summary: Vec<(&str, Outcome, &str)> = results
            .cases
            .iter()
            .map(|c| (c.name.as_str(), c.outcome, c.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "TestA",
                    Outcome::Failed,
                    "want 1, got 2\napp_test.go:12: want 1, got 2"
                ),
                ("TestD", Outcome::Failed, "boom\npanic: boom"),
                ("TestC", Outcome::Skipped, "needs a GPU"),
                ("TestB", Outcome::Passed, ""),
            ]
        );
        assert_eq!(results.cases[0].suite, "app");
        assert_eq!(results.cases[0].time, 1.25);
    }

    #[test]
    fn a_case_that_failed_then_passed_is_flaky() {
        let xml = br#"<testsuite name="s"><testcase name="T"><failure>x</failure></testcase><testcase name="T"/></testsuite>"#;
        let results = parse("junit.xml", xml).unwrap();
        assert_eq!(results.cases.len(), 1);
        assert_eq!(results.cases[0].outcome, Outcome::Flaky);
    }

    #[test]
    fn what_is_not_junit_says_so() {
        let error = parse("artifacts/junit.xml", b"<html><body/></html>").unwrap_err();
        assert_eq!(
            error.to_string(),
            "artifacts/junit.xml is not JUnit XML: no <testsuite> or <testsuites> element"
        );
        assert!(parse("junit.xml", b"<testsuite><testcase").is_err());
        assert!(is_junit("artifacts/junit_01.xml"));
        assert!(is_junit("artifacts/e2e/junit.xml"));
        assert!(!is_junit("artifacts/report.xml"));
        assert!(!is_junit("junit.xml"));
    }
}
