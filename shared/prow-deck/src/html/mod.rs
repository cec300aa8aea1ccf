//! deck's pages as HTML, rendered on the server with maud (every value escaped). Each page is a
//! function of what the function read; nothing here reads anything.

mod configured;
mod help;
mod index;
mod run;
mod tide;

pub use configured::{ConfiguredJob, configured_index, configured_jobs, jobs_of, repositories};
pub use help::command_help;
pub use index::{IndexCharts, index};
pub use run::{Actions, FolderEntry, RunView, folder, history, pr_history, run};
pub use tide::{tide, tide_history};

use jiff::{SignedDuration, Timestamp};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The pages in the navigation bar: path and title.
pub const NAVIGATION: &[(&str, &str)] = &[
    ("/", "Jobs"),
    ("/tide", "Tide"),
    ("/tide-history", "Tide history"),
    ("/command-help", "Command help"),
    ("/configured-jobs", "Configured jobs"),
];

/// The frame every page shares: the title, the navigation with `active` marked, the stylesheet
/// and the small script.
pub fn layout(title: &str, active: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Prow" }
                link rel="stylesheet" href="/static/deck.css";
                script src="/static/deck.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "Prow" }
                    nav {
                        @for (path, name) in NAVIGATION {
                            @if *path == active {
                                a.active href=(path) aria-current="page" { (name) }
                            } @else {
                                a href=(path) { (name) }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page that says something cannot be shown, and why.
pub fn notice(title: &str, active: &str, message: &str) -> Markup {
    layout(
        title,
        active,
        html! {
            h1 { (title) }
            p.notice { (message) }
        },
    )
}

/// A time as `2026-01-02 15:04:05 UTC` in a `<time>` element; the script shows it in the
/// reader's zone.
pub fn time(at: Timestamp) -> Markup {
    let utc = at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string();
    html! { time datetime=(at.to_string()) { (utc) } }
}

/// `1h2m3s`, `4m5s`, `6s`, as upstream deck shows durations.
pub fn duration(span: SignedDuration) -> String {
    let seconds = span.as_secs().max(0);
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// `link` when a browser may follow it from deck's pages: web addresses and paths, never a
/// `javascript:` or `data:` one that a job's record might carry.
pub fn safe_link(link: &str) -> Option<&str> {
    let lower = link.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with('/'))
        .then_some(link)
}

/// A size as people read it: `812 B`, `3.4 KiB`, `12.0 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The state as a coloured pill.
pub fn state_pill(state: &str) -> Markup {
    html! { span class={ "state " (state) } { (state) } }
}

/// An SVG chart, inline (it was escaped as it was drawn).
pub fn chart(svg: String) -> Markup {
    PreEscaped(svg)
}

/// The stylesheet, served at `/static/deck.css`.
pub const STYLESHEET: &str = include_str!("deck.css");
/// The script, served at `/static/deck.js`: filters that apply as they change, times in the
/// reader's zone, folded log stretches, the live tail of a running job.
pub const SCRIPT: &str = include_str!("deck.js");
