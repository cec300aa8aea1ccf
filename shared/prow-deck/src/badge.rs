//! `/badge.svg?jobs=<name|prefix*>[,...]` (upstream `cmd/deck/badge.go`): a shields-style
//! `build | passing` badge from the newest run of each matching job.

use crate::joblist::{JobRow, glob_match};
use crate::svg::escape;
use prow_api::ProwJobState;

/// What the badge says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    pub status: String,
    pub color: &'static str,
}

/// The newest run of each job a glob of `selector` (comma-separated) matches, newest first.
pub fn latest_runs<'j>(rows: &'j [JobRow], selector: &str) -> Vec<&'j JobRow> {
    let patterns: Vec<&str> = selector.split(',').collect();
    let mut sorted: Vec<&JobRow> = rows.iter().collect();
    sorted.sort_by_key(|row| std::cmp::Reverse(row.started.map(|t| t.as_nanosecond())));
    let mut seen = std::collections::HashSet::new();
    sorted
        .into_iter()
        .filter(|row| patterns.iter().any(|p| glob_match(p, &row.job)))
        .filter(|row| seen.insert(row.job.as_str()))
        .collect()
}

/// Passing, failing (naming up to three failing jobs) or no results, as upstream decides.
pub fn badge(runs: &[&JobRow]) -> Badge {
    if runs.is_empty() {
        return Badge {
            status: "no results".into(),
            color: "darkgrey",
        };
    }
    let mut failing: Vec<&str> = runs
        .iter()
        .filter(|row| row.state == Some(ProwJobState::Failure))
        .map(|row| row.job.as_str())
        .collect();
    failing.sort_unstable();
    if failing.is_empty() {
        return Badge {
            status: "passing".into(),
            color: "brightgreen",
        };
    }
    if failing.len() > 3 {
        failing.truncate(3);
        failing.push("...");
    }
    Badge {
        status: format!("failing {}", failing.join(", ")),
        color: "red",
    }
}

/// The SVG, laid out as upstream's (6 px a character).
pub fn render(subject: &str, badge: &Badge) -> String {
    let color = match badge.color {
        "brightgreen" => "#4c1",
        "red" => "#e05d44",
        "darkgrey" => "#555",
        other => other,
    };
    let right_start = 13 + 6 * subject.chars().count();
    let right_width = 13 + 6 * badge.status.chars().count();
    let width = right_start + right_width;
    let x_left = right_start as f64 * 0.5;
    let x_right = right_start as f64 + (right_width as f64 - 2.0) * 0.5;
    let (subject, status) = (escape(subject), escape(&badge.status));
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20">
<linearGradient id="a" x2="0" y2="100%">
  <stop offset="0" stop-color="#bbb" stop-opacity=".1"/>
  <stop offset="1" stop-opacity=".1"/>
</linearGradient>
<rect rx="3" width="100%" height="20" fill="#555"/>
<g fill="{color}">
  <rect rx="3" x="{right_start}" width="{right_width}" height="20"/>
  <path d="M{right_start} 0h4v20h-4z"/>
</g>
<rect rx="3" width="100%" height="20" fill="url(#a)"/>
<g fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">
<g fill="#010101" opacity=".3">
<text x="{x_left}" y="15">{subject}</text>
<text x="{x_right}" y="15">{status}</text>
</g>
<text x="{x_left}" y="14">{subject}</text>
<text x="{x_right}" y="14">{status}</text>
</g>
</svg>"##
    )
}
