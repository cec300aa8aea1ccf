//! Charts drawn on the server as SVG: they cost the browser nothing, read without JavaScript, and
//! are snapshot-tested like the rest of the HTML. Each mark has a `<title>`, which browsers show
//! on hover.

use std::fmt::Write as _;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 20.0;
const TOP: f64 = 10.0;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar: its height in the chart's unit, its colour class and its hover text.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub value: f64,
    /// `success`, `failure`, `pending`, `aborted`, `error`: the CSS class that colours it.
    pub class: &'static str,
    pub title: String,
    /// Where a click on the bar goes.
    pub link: Option<String>,
}

/// Bars left to right (oldest first), scaled to the largest; `unit` labels the axis (`"s"`,
/// `"%"`).
pub fn bars(label: &str, bars: &[Bar], unit: &str) -> String {
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { max } else { 1.0 };
    let inner_width = WIDTH - LEFT;
    let inner_height = HEIGHT - TOP - BOTTOM;
    let slot = if bars.is_empty() {
        inner_width
    } else {
        inner_width / bars.len() as f64
    };
    let mut svg = open(label, scale, unit);
    let width = (slot * 0.8).clamp(1.0, 24.0);
    for (i, bar) in bars.iter().enumerate() {
        let height = (bar.value / scale * inner_height).max(1.0);
        let x = LEFT + i as f64 * slot + (slot - width) / 2.0;
        let y = TOP + inner_height - height;
        let rect = format!(
            r#"<rect class="bar {}" x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}"><title>{}</title></rect>"#,
            bar.class,
            escape(&bar.title)
        );
        match &bar.link {
            Some(link) => {
                let _ = write!(svg, r#"<a href="{}">{rect}</a>"#, escape(link));
            }
            None => svg.push_str(&rect),
        }
    }
    if bars.is_empty() {
        let _ = write!(
            svg,
            r#"<text class="empty" x="{}" y="{}">no runs yet</text>"#,
            LEFT + 10.0,
            TOP + inner_height / 2.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Lines over time: each series a polyline of `(x, y)` points, x in 0..=1 across the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

/// The series over a shared x axis labelled `from` and `to`, scaled to the largest value.
pub fn lines(label: &str, series: &[Series], unit: &str, from: &str, to: &str) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { max } else { 1.0 };
    let inner_width = WIDTH - LEFT;
    let inner_height = HEIGHT - TOP - BOTTOM;
    let mut svg = open(label, scale, unit);
    for s in series {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    LEFT + x.clamp(0.0, 1.0) * inner_width,
                    TOP + inner_height - y / scale * inner_height
                )
            })
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="line {}" fill="none" points="{}"><title>{}</title></polyline>"#,
            s.class,
            points.join(" "),
            escape(&s.name)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="tick" x="{LEFT}" y="{}">{}</text><text class="tick" x="{WIDTH}" y="{}" text-anchor="end">{}</text>"#,
        HEIGHT - 4.0,
        escape(from),
        HEIGHT - 4.0,
        escape(to)
    );
    let mut legend_x = LEFT + 8.0;
    for s in series {
        let _ = write!(
            svg,
            r#"<text class="legend {}" x="{legend_x:.1}" y="{}">{}</text>"#,
            s.class,
            TOP + 10.0,
            escape(&s.name)
        );
        legend_x += 8.0 * s.name.chars().count() as f64 + 24.0;
    }
    svg.push_str("</svg>");
    svg
}

/// The `<svg>` element and its axes, up to `max` (labelled with `unit`).
fn open(label: &str, max: f64, unit: &str) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">"#,
        escape(label)
    );
    axis(&mut svg, max, unit);
    svg
}

fn axis(svg: &mut String, max: f64, unit: &str) {
    let bottom = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/><line class="axis" x1="{LEFT}" y1="{bottom}" x2="{WIDTH}" y2="{bottom}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}{unit}</text><text class="tick" x="{}" y="{bottom}" text-anchor="end">0</text>"#,
        LEFT - 4.0,
        TOP + 8.0,
        round(max),
        LEFT - 4.0,
    );
}

fn round(value: f64) -> String {
    if value >= 10.0 || value == value.trunc() {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
