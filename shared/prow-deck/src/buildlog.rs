//! The build log as the job page shows it (upstream's buildlog lens): ANSI colours turned into
//! styled spans, the lines that look like failures highlighted and linkable (`#L42`), and long
//! stretches between them folded so a large log stays readable.

use regex::Regex;
use std::sync::LazyLock;

/// Upstream's default `highlight_regexes` (`pkg/spyglass/lenses/buildlog`).
pub const DEFAULT_HIGHLIGHT: &str =
    r"timed out|ERROR:|(FAIL|Failure \[)\b|panic\b|^E\d{4} \d\d:\d\d:\d\d\.\d\d\d]";

#[expect(
    clippy::expect_used,
    reason = "a constant pattern, checked by the tests"
)]
static DEFAULT_HIGHLIGHT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(DEFAULT_HIGHLIGHT).expect("the default highlight pattern"));

/// Lines longer than this are shown but never highlighted (upstream's
/// `highlight_line_length_max`).
pub const HIGHLIGHT_LINE_LENGTH_MAX: usize = 10_000;
/// Lines kept around a highlighted line when the rest is folded.
pub const CONTEXT_LINES: usize = 5;
/// Logs up to this many lines are shown whole.
pub const UNFOLDED_LINES: usize = 300;
/// Lines kept at the end of a folded log (where a failure is usually told).
pub const TAIL_LINES: usize = 100;

/// A run of text in one style.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    /// CSS classes for the ANSI style: `ansi-fg-1`, `ansi-bold`, ...
    pub classes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// 1-based.
    pub number: usize,
    pub spans: Vec<Span>,
    pub highlighted: bool,
}

/// A stretch of the log: lines shown, or lines folded away (shown on request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stretch {
    Shown(Vec<LogLine>),
    Folded(Vec<LogLine>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildLog {
    pub stretches: Vec<Stretch>,
    /// The numbers of the highlighted lines, for the summary's links.
    pub highlighted: Vec<usize>,
    pub lines: usize,
}

/// The log, its failures highlighted by `highlight` (upstream's default when `None`).
pub fn render(log: &str, highlight: Option<&Regex>) -> BuildLog {
    let highlight = highlight.unwrap_or(&DEFAULT_HIGHLIGHT_RE);
    let mut state = Style::default();
    let mut lines = Vec::new();
    for (index, raw) in log.lines().enumerate() {
        let spans = ansi_spans(raw, &mut state);
        let plain: String = spans.iter().map(|s| s.text.as_str()).collect();
        let highlighted = plain.len() <= HIGHLIGHT_LINE_LENGTH_MAX && highlight.is_match(&plain);
        lines.push(LogLine {
            number: index + 1,
            spans,
            highlighted,
        });
    }
    let highlighted: Vec<usize> = lines
        .iter()
        .filter(|l| l.highlighted)
        .map(|l| l.number)
        .collect();
    let total = lines.len();
    let stretches = fold(lines, &highlighted);
    BuildLog {
        stretches,
        highlighted,
        lines: total,
    }
}

/// Shows everything of a short log; of a long one, the highlighted lines with their context and
/// the tail, folding what lies between.
fn fold(lines: Vec<LogLine>, highlighted: &[usize]) -> Vec<Stretch> {
    let total = lines.len();
    if total <= UNFOLDED_LINES {
        return vec![Stretch::Shown(lines)];
    }
    let shown = |number: usize| {
        number + TAIL_LINES > total
            || highlighted
                .iter()
                .any(|&h| number + CONTEXT_LINES >= h && number <= h + CONTEXT_LINES)
    };
    let mut stretches: Vec<Stretch> = Vec::new();
    for line in lines {
        let show = shown(line.number);
        match stretches.last_mut() {
            Some(Stretch::Shown(run)) if show => run.push(line),
            Some(Stretch::Folded(run)) if !show => run.push(line),
            _ if show => stretches.push(Stretch::Shown(vec![line])),
            _ => stretches.push(Stretch::Folded(vec![line])),
        }
    }
    stretches
}

/// The SGR state carried from one line to the next, as a terminal carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Style {
    bold: bool,
    italic: bool,
    underline: bool,
    fg: Option<u8>,
    bg: Option<u8>,
}

impl Style {
    fn classes(&self) -> Vec<String> {
        let mut classes = Vec::new();
        if self.bold {
            classes.push("ansi-bold".to_string());
        }
        if self.italic {
            classes.push("ansi-italic".to_string());
        }
        if self.underline {
            classes.push("ansi-underline".to_string());
        }
        if let Some(fg) = self.fg {
            classes.push(format!("ansi-fg-{fg}"));
        }
        if let Some(bg) = self.bg {
            classes.push(format!("ansi-bg-{bg}"));
        }
        classes
    }

    fn apply(&mut self, codes: &str) {
        let mut codes = codes
            .split(';')
            .map(|c| c.parse::<u16>().unwrap_or(0))
            .peekable();
        while let Some(code) = codes.next() {
            match code {
                0 => *self = Style::default(),
                1 => self.bold = true,
                3 => self.italic = true,
                4 => self.underline = true,
                22 => self.bold = false,
                23 => self.italic = false,
                24 => self.underline = false,
                30..=37 => self.fg = Some((code - 30) as u8),
                39 => self.fg = None,
                40..=47 => self.bg = Some((code - 40) as u8),
                49 => self.bg = None,
                90..=97 => self.fg = Some((code - 90 + 8) as u8),
                100..=107 => self.bg = Some((code - 100 + 8) as u8),
                // 256 colours: 38;5;n and 48;5;n (the first sixteen are the named ones).
                38 | 48 => {
                    let colour = match (codes.next(), codes.next()) {
                        (Some(5), Some(n)) if n < 256 => Some(n as u8),
                        _ => None,
                    };
                    if code == 38 {
                        self.fg = colour;
                    } else {
                        self.bg = colour;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Splits a line at its escape sequences: SGR ones change the style, the others are dropped.
fn ansi_spans(line: &str, style: &mut Style) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut text = String::new();
    let mut chars = line.char_indices().peekable();
    let flush = |text: &mut String, spans: &mut Vec<Span>, style: &Style| {
        if !text.is_empty() {
            spans.push(Span {
                text: std::mem::take(text),
                classes: style.classes(),
            });
        }
    };
    while let Some((_, c)) = chars.next() {
        if c != '\u{1b}' {
            if c != '\r' {
                text.push(c);
            }
            continue;
        }
        if chars.peek().map(|(_, c)| *c) != Some('[') {
            continue;
        }
        chars.next();
        let mut parameters = String::new();
        let mut finisher = None;
        for (_, c) in chars.by_ref() {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                finisher = Some(c);
                break;
            }
            parameters.push(c);
        }
        if finisher == Some('m') {
            flush(&mut text, &mut spans, style);
            style.apply(&parameters);
        }
    }
    flush(&mut text, &mut spans, style);
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(line: &LogLine) -> String {
        line.spans.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn the_default_pattern_finds_what_upstream_finds() {
        for (line, highlighted) in [
            ("--- FAIL: TestGreeting (0.00s)", true),
            ("ERROR: something broke", true),
            ("panic: runtime error", true),
            ("E0102 15:04:05.000] leader lost", true),
            ("context deadline: timed out", true),
            ("FAILED to frobnicate", false),
            ("ok  \texample.com/app 0.01s", false),
            ("errors: 0", false),
        ] {
            let log = render(line, None);
            assert_eq!(log.highlighted.len() == 1, highlighted, "{line}");
        }
    }

    #[test]
    fn colours_become_classes_and_carry_across_lines() {
        let log = render(
            "\u{1b}[1;31mred bold\nstill red\u{1b}[0m plain\u{1b}[2K",
            None,
        );
        let Stretch::Shown(lines) = &log.stretches[0] else {
            panic!("a short log is shown whole")
        };
        assert_eq!(lines[0].spans[0].classes, ["ansi-bold", "ansi-fg-1"]);
        assert_eq!(lines[1].spans[0].text, "still red");
        assert_eq!(lines[1].spans[0].classes, ["ansi-bold", "ansi-fg-1"]);
        assert_eq!(lines[1].spans[1].text, " plain");
        assert!(lines[1].spans[1].classes.is_empty());
        assert_eq!(
            plain(&lines[1]),
            "still red plain",
            "other sequences vanish"
        );
    }

    #[test]
    fn a_long_log_folds_all_but_the_failures_context_and_tail() {
        let mut log: Vec<String> = (1..=1000).map(|n| format!("line {n}")).collect();
        log[499] = "--- FAIL: TestX".into();
        let rendered = render(&log.join("\n"), None);
        assert_eq!(rendered.highlighted, [500]);
        let shape: Vec<(bool, usize, usize)> = rendered
            .stretches
            .iter()
            .map(|s| match s {
                Stretch::Shown(l) => (true, l[0].number, l.len()),
                Stretch::Folded(l) => (false, l[0].number, l.len()),
            })
            .collect();
        assert_eq!(
            shape,
            [
                (false, 1, 494),
                (true, 495, 11),
                (false, 506, 395),
                (true, 901, 100)
            ]
        );
    }
}
