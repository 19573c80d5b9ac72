//! Inline SVG charts: bars of harmful rates with 95% Wilson whiskers, in the style of the
//! published per-model figures (one bar per model, the rate printed above it).

use crate::table::Tally;
use std::fmt::Write;

/// Escape text for HTML and SVG element content and attribute values.
pub fn escape_html(text: &str) -> String {
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

/// Bar colours, cycled over bars (colour-blind-safe Okabe–Ito palette).
const PALETTE: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
];

/// A vertical bar chart of rates with Wilson whiskers; bars with no scored trial show "n/a".
pub fn bar_chart(title: &str, bars: &[(String, Tally)]) -> String {
    let bar_width = 56.0;
    let gap = 28.0;
    let left = 48.0;
    let top = 36.0;
    let plot_height = 200.0;
    let label_height = 70.0;
    let width = left + bars.len() as f64 * (bar_width + gap) + gap;
    let height = top + plot_height + label_height;
    let y = |rate: f64| top + plot_height * (1.0 - rate);
    let mut svg = String::new();
    write!(
        svg,
        r#"<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}"><title>{}</title>"#,
        escape_html(title)
    )
    .unwrap();
    write!(
        svg,
        r#"<text x="{left}" y="18" class="chart-title">{}</text>"#,
        escape_html(title)
    )
    .unwrap();
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let ty = y(tick);
        write!(
            svg,
            r##"<line x1="{left}" x2="{:.1}" y1="{ty:.1}" y2="{ty:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{:.0}%</text>"##,
            width - gap / 2.0,
            left - 6.0,
            ty + 4.0,
            tick * 100.0
        )
        .unwrap();
    }
    for (i, (label, tally)) in bars.iter().enumerate() {
        let x = left + gap + i as f64 * (bar_width + gap);
        let centre = x + bar_width / 2.0;
        let colour = PALETTE[i % PALETTE.len()];
        match (tally.rate(), tally.interval()) {
            (Some(rate), Some(interval)) => {
                let bar_top = y(rate);
                let upper = if tally.is_upper_bound() {
                    " (upper bound)"
                } else {
                    ""
                };
                write!(
                    svg,
                    r#"<rect class="bar" x="{x:.1}" y="{bar_top:.1}" width="{bar_width}" height="{:.1}" fill="{colour}"><title>{}: {}/{} = {:.1}%{upper}, 95% CI [{:.1}%, {:.1}%]</title></rect>"#,
                    (top + plot_height - bar_top).max(0.0),
                    escape_html(label),
                    tally.harmful,
                    tally.scored,
                    rate * 100.0,
                    interval.lo * 100.0,
                    interval.hi * 100.0
                )
                .unwrap();
                let (lo, hi) = (y(interval.lo), y(interval.hi));
                write!(
                    svg,
                    r##"<g class="whisker" stroke="#222" stroke-width="1.5"><line x1="{centre:.1}" x2="{centre:.1}" y1="{lo:.1}" y2="{hi:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{lo:.1}" y2="{lo:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{hi:.1}" y2="{hi:.1}"/></g>"##,
                    centre - 8.0,
                    centre + 8.0,
                    centre - 8.0,
                    centre + 8.0
                )
                .unwrap();
                let marker = if tally.is_upper_bound() { "≤" } else { "" };
                write!(
                    svg,
                    r#"<text x="{centre:.1}" y="{:.1}" class="value" text-anchor="middle">{marker}{:.0}%</text>"#,
                    (hi - 6.0).max(top - 4.0),
                    rate * 100.0
                )
                .unwrap();
            }
            _ => {
                write!(
                    svg,
                    r#"<text x="{centre:.1}" y="{:.1}" class="value" text-anchor="middle">n/a</text>"#,
                    top + plot_height - 6.0
                )
                .unwrap();
            }
        }
        let label_y = top + plot_height + 14.0;
        write!(
            svg,
            r#"<text class="label" text-anchor="end" transform="translate({centre:.1},{label_y:.1}) rotate(-30)">{}</text><text class="n" x="{centre:.1}" y="{:.1}" text-anchor="middle">n={}</text>"#,
            escape_html(&short_model_name(label)),
            top + plot_height + label_height - 4.0,
            tally.scored
        )
        .unwrap();
    }
    svg.push_str("</svg>");
    svg
}

/// The part of a model name after its provider prefix, for axis labels.
pub fn short_model_name(model: &str) -> String {
    let short = model.rsplit('/').next().unwrap_or(model);
    if short.chars().count() > 28 {
        let mut cut: String = short.chars().take(27).collect();
        cut.push('…');
        cut
    } else {
        short.to_string()
    }
}

/// A small horizontal bar with whisker for table cells (0–100% over 120 px).
pub fn inline_bar(tally: &Tally) -> String {
    let (Some(rate), Some(interval)) = (tally.rate(), tally.interval()) else {
        return String::new();
    };
    let w = 120.0;
    format!(
        r##"<svg class="mini" width="{w}" height="12" viewBox="0 0 {w} 12" aria-hidden="true"><rect x="0" y="2" width="{w}" height="8" fill="#eee"/><rect x="0" y="2" width="{:.1}" height="8" fill="#D55E00"/><line x1="{:.1}" x2="{:.1}" y1="6" y2="6" stroke="#222"/></svg>"##,
        rate * w,
        interval.lo * w,
        interval.hi * w
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_escapes_labels_and_draws_one_bar_and_whisker_per_scored_model() {
        let bars = vec![
            (
                "openai/<b>gpt</b>".to_string(),
                Tally {
                    harmful: 96,
                    scored: 100,
                    ..Tally::default()
                },
            ),
            ("x/empty".to_string(), Tally::default()),
        ];
        let svg = bar_chart("blackmail & co", &bars);
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;b&gt;gpt&lt;/b&gt;"));
        assert!(svg.contains("blackmail &amp; co"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 1);
        assert_eq!(svg.matches("class=\"whisker\"").count(), 1);
        assert!(svg.contains(">96%<"));
        assert!(svg.contains("n/a"));
    }
}
