//! Inline SVG charts for the HTML report and for papers: bars of harmful rates with 95% Wilson
//! whiskers, one bar per model ([`bar_chart`]) or grouped models × conditions
//! ([`grouped_chart`], the shape of the published figures).
//!
//! Every chart is self-contained (its own `<style>`, font and white background), so the SVG a
//! reader downloads looks like the one on the page. Labels are wrapped at separators or
//! abbreviated with a legend ([`crate::chart_text`]) and the chart is sized to hold them: no
//! text is clipped. A zero rate is never printed without its one-sided 95% upper bound.

use crate::chart_text::{axis_labels, text_width, AxisLabels};
use crate::render::bound_percent;
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

/// Bar colours (colour-blind-safe Okabe–Ito palette), cycled.
pub const PALETTE: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
];

// Scoped to `svg.chart`: inline SVG styles apply to the whole HTML page they sit in.
const STYLE: &str = "<style>svg.chart text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;fill:#1b1b1b}svg.chart .chart-title{font-weight:700;font-size:13px}svg.chart .tick,svg.chart .n{font-size:10px;fill:#555}svg.chart .label,svg.chart .legend{font-size:11px}svg.chart .value{font-size:11px;font-weight:700}svg.chart .bound{font-size:10px;font-weight:400}svg.chart .gvalue{font-size:9px;font-weight:700}</style>";

const LABEL_SIZE: f64 = 11.0;
const LINE: f64 = 13.0;
const PLOT_HEIGHT: f64 = 200.0;
const LEFT: f64 = 44.0;

/// The part of a model name after its provider prefix, for axis labels and lists.
pub fn short_model_name(model: &str) -> String {
    model.rsplit('/').next().unwrap_or(model).to_string()
}

fn rate_tooltip(label: &str, tally: &Tally) -> String {
    match (tally.rate(), tally.interval()) {
        (Some(rate), Some(interval)) => {
            let mut text = format!(
                "{}: {}/{} = {:.1}%, 95% CI [{:.1}%, {:.1}%]",
                label,
                tally.harmful,
                tally.scored,
                rate * 100.0,
                interval.lo * 100.0,
                interval.hi * 100.0
            );
            if let Some(bound) = tally.zero_bound() {
                text.push_str(&format!(
                    ", one-sided 95% upper bound {}",
                    bound_percent(bound)
                ));
            }
            if tally.is_upper_bound() {
                text.push_str(" (gate-only verdicts: an upper bound)");
            }
            text
        }
        _ => format!("{label}: no scored trial"),
    }
}

/// Open an SVG of `width` × `height` with its title, style and background.
fn open_svg(svg: &mut String, title: &str, width: f64, height: f64, kind: &str) {
    write!(
        svg,
        r##"<svg class="chart {kind}" role="img" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" data-title="{}"><title>{}</title>{STYLE}<rect class="bg" x="0" y="0" width="{width:.0}" height="{height:.0}" fill="#fff"/>"##,
        escape_html(title),
        escape_html(title)
    )
    .unwrap();
}

/// Y-axis gridlines and percentage ticks from `top` down `PLOT_HEIGHT`.
fn axis(svg: &mut String, top: f64, right: f64) {
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let ty = top + PLOT_HEIGHT * (1.0 - tick);
        write!(
            svg,
            r##"<line x1="{LEFT}" x2="{right:.1}" y1="{ty:.1}" y2="{ty:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{:.0}%</text>"##,
            LEFT - 6.0,
            ty + 4.0,
            tick * 100.0
        )
        .unwrap();
    }
}

/// A bar with its whisker; returns the y of the whisker's top.
fn bar(
    svg: &mut String,
    x: f64,
    width: f64,
    top: f64,
    colour: &str,
    label: &str,
    tally: &Tally,
) -> Option<f64> {
    let y = |rate: f64| top + PLOT_HEIGHT * (1.0 - rate);
    let (rate, interval) = (tally.rate()?, tally.interval()?);
    let bar_top = y(rate);
    write!(
        svg,
        r#"<rect class="bar" x="{x:.1}" y="{bar_top:.1}" width="{width:.1}" height="{:.1}" fill="{colour}"><title>{}</title></rect>"#,
        (top + PLOT_HEIGHT - bar_top).max(0.0),
        escape_html(&rate_tooltip(label, tally))
    )
    .unwrap();
    let centre = x + width / 2.0;
    let cap = (width / 4.0).min(8.0);
    let (lo, hi) = (y(interval.lo), y(interval.hi));
    write!(
        svg,
        r##"<g class="whisker" stroke="#222" stroke-width="1.5"><line x1="{centre:.1}" x2="{centre:.1}" y1="{lo:.1}" y2="{hi:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{lo:.1}" y2="{lo:.1}"/><line x1="{:.1}" x2="{:.1}" y1="{hi:.1}" y2="{hi:.1}"/></g>"##,
        centre - cap,
        centre + cap,
        centre - cap,
        centre + cap
    )
    .unwrap();
    Some(hi)
}

fn text_lines(svg: &mut String, class: &str, x: f64, y: f64, lines: &[String]) {
    write!(
        svg,
        r#"<text class="{class}" x="{x:.1}" y="{y:.1}" text-anchor="middle">"#
    )
    .unwrap();
    for (i, line) in lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { LINE };
        write!(
            svg,
            r#"<tspan x="{x:.1}" dy="{dy}">{}</tspan>"#,
            escape_html(line)
        )
        .unwrap();
    }
    svg.push_str("</text>");
}

/// Legend lines under a chart (`abbreviation  full label`, or a colour swatch and label).
fn legend(svg: &mut String, y: f64, entries: &[(Option<&str>, String)]) {
    for (i, (colour, text)) in entries.iter().enumerate() {
        let line_y = y + i as f64 * (LINE + 2.0);
        let mut x = LEFT;
        if let Some(colour) = colour {
            write!(
                svg,
                r#"<rect x="{x}" y="{:.1}" width="10" height="10" fill="{colour}"/>"#,
                line_y - 9.0
            )
            .unwrap();
            x += 14.0;
        }
        write!(
            svg,
            r#"<text class="legend" x="{x}" y="{line_y:.1}">{}</text>"#,
            escape_html(text)
        )
        .unwrap();
    }
}

fn legend_width(entries: &[(Option<&str>, String)]) -> f64 {
    entries
        .iter()
        .map(|(c, t)| text_width(t, LABEL_SIZE, false) + if c.is_some() { 14.0 } else { 0.0 })
        .fold(0.0, f64::max)
}

/// A vertical bar chart of rates with Wilson whiskers, one bar per label; a bar with no scored
/// trial shows "n/a". Labels are model names (shown without their provider prefix).
pub fn bar_chart(title: &str, bars: &[(String, Tally)]) -> String {
    let slot = 84.0;
    let bar_width = 52.0;
    // Room above the tallest whisker for a value and, for a zero, its bound.
    let top = 30.0 + 2.0 * LINE;
    let names: Vec<String> = bars.iter().map(|(l, _)| short_model_name(l)).collect();
    let AxisLabels {
        lines,
        legend: abbreviations,
    } = axis_labels(&names, slot, LABEL_SIZE, 3, "M");
    let label_lines = lines.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let entries: Vec<(Option<&str>, String)> = abbreviations
        .iter()
        .zip(bars)
        .map(|((abbreviation, _), (full, _))| (None, format!("{abbreviation} = {full}")))
        .collect();
    let plot_width = LEFT + bars.len() as f64 * slot + 16.0;
    let width = plot_width
        .max(LEFT + legend_width(&entries) + 16.0)
        .max(text_width(title, 13.0, true) + 24.0);
    let labels_top = top + PLOT_HEIGHT + 16.0;
    let n_y = labels_top + label_lines * LINE + 2.0;
    let legend_top = n_y + LINE + 8.0;
    let height = legend_top + entries.len() as f64 * (LINE + 2.0) + 6.0;
    let mut svg = String::new();
    open_svg(&mut svg, title, width, height, "bars");
    write!(
        svg,
        r#"<text x="12" y="20" class="chart-title">{}</text>"#,
        escape_html(title)
    )
    .unwrap();
    axis(&mut svg, top, plot_width - 8.0);
    for (i, (label, tally)) in bars.iter().enumerate() {
        let x = LEFT + 16.0 + i as f64 * slot;
        let centre = x + bar_width / 2.0;
        match bar(
            &mut svg,
            x,
            bar_width,
            top,
            PALETTE[i % PALETTE.len()],
            label,
            tally,
        ) {
            Some(hi) => {
                let marker = if tally.is_upper_bound() { "≤" } else { "" };
                let rate = tally.rate().unwrap_or(0.0);
                let mut value = vec![format!("{marker}{:.0}%", rate * 100.0)];
                if let Some(bound) = tally.zero_bound() {
                    value.push(format!("UB {}", bound_percent(bound)));
                }
                let first_y = hi - 6.0 - (value.len() - 1) as f64 * LINE;
                write!(svg, r#"<text class="value" x="{centre:.1}" y="{first_y:.1}" text-anchor="middle">{}"#, escape_html(&value[0])).unwrap();
                if let Some(bound) = value.get(1) {
                    write!(
                        svg,
                        r#"<tspan class="bound" x="{centre:.1}" dy="{LINE}">{}</tspan>"#,
                        escape_html(bound)
                    )
                    .unwrap();
                }
                svg.push_str("</text>");
            }
            None => {
                write!(
                    svg,
                    r#"<text x="{centre:.1}" y="{:.1}" class="value" text-anchor="middle">n/a</text>"#,
                    top + PLOT_HEIGHT - 6.0
                )
                .unwrap();
            }
        }
        text_lines(&mut svg, "label", centre, labels_top, &lines[i]);
        write!(
            svg,
            r#"<text class="n" x="{centre:.1}" y="{n_y:.1}" text-anchor="middle">n={}</text>"#,
            tally.scored
        )
        .unwrap();
    }
    legend(&mut svg, legend_top, &entries);
    svg.push_str("</svg>");
    svg
}

/// The value written above a grouped bar: `96%`, `≤96%`, or `0% (UB 2.9%)`.
fn grouped_value(tally: &Tally) -> String {
    let marker = if tally.is_upper_bound() { "≤" } else { "" };
    let mut value = format!("{marker}{:.0}%", tally.rate().unwrap_or(0.0) * 100.0);
    if let Some(bound) = tally.zero_bound() {
        value.push_str(&format!(" (UB {})", bound_percent(bound)));
    }
    value
}

/// Grouped bars: one group per condition, one bar per model (colour legend below), values
/// written vertically above each whisker. `cells[m][c]` is model `m` in condition `c`.
pub fn grouped_chart(
    title: &str,
    models: &[String],
    conditions: &[String],
    cells: &[Vec<Tally>],
) -> String {
    let bar_width = 26.0;
    let group = models.len().max(1) as f64 * (bar_width + 4.0) + 20.0;
    // Vertical values stand on their whiskers: leave room above the plot for the longest
    // one beyond the space its whisker leaves below the plot's top.
    let overhang = cells
        .iter()
        .flatten()
        .filter_map(|t| {
            let hi = t.interval()?.hi;
            Some(text_width(&grouped_value(t), 9.0, true) + 4.0 - PLOT_HEIGHT * (1.0 - hi))
        })
        .fold(0.0, f64::max);
    let top = 30.0 + overhang + 4.0;
    let AxisLabels {
        lines,
        legend: abbreviations,
    } = axis_labels(conditions, group, LABEL_SIZE, 4, "C");
    let label_lines = lines.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let mut entries: Vec<(Option<&str>, String)> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (Some(PALETTE[i % PALETTE.len()]), m.clone()))
        .collect();
    entries.extend(
        abbreviations
            .iter()
            .map(|(a, full)| (None, format!("{a} = {full}"))),
    );
    let plot_width = LEFT + conditions.len() as f64 * group + 16.0;
    let width = plot_width
        .max(LEFT + legend_width(&entries) + 16.0)
        .max(text_width(title, 13.0, true) + 24.0);
    let labels_top = top + PLOT_HEIGHT + 16.0;
    let legend_top = labels_top + label_lines * LINE + 14.0;
    let height = legend_top + entries.len() as f64 * (LINE + 2.0) + 6.0;
    let mut svg = String::new();
    open_svg(&mut svg, title, width, height, "grouped");
    write!(
        svg,
        r#"<text x="12" y="20" class="chart-title">{}</text>"#,
        escape_html(title)
    )
    .unwrap();
    axis(&mut svg, top, plot_width - 8.0);
    for (c, condition) in conditions.iter().enumerate() {
        let group_x = LEFT + 16.0 + c as f64 * group;
        for (m, model) in models.iter().enumerate() {
            let Some(tally) = cells.get(m).and_then(|row| row.get(c)) else {
                continue;
            };
            let x = group_x + m as f64 * (bar_width + 4.0);
            let label = format!("{model} · {condition}");
            let Some(hi) = bar(
                &mut svg,
                x,
                bar_width,
                top,
                PALETTE[m % PALETTE.len()],
                &label,
                tally,
            ) else {
                continue;
            };
            let value = grouped_value(tally);
            let cx = x + bar_width / 2.0 + 3.0;
            write!(
                svg,
                r#"<text class="gvalue" transform="translate({cx:.1},{:.1}) rotate(-90)">{}</text>"#,
                hi - 4.0,
                escape_html(&value)
            )
            .unwrap();
        }
        text_lines(
            &mut svg,
            "label",
            group_x + (group - 20.0) / 2.0,
            labels_top,
            &lines[c],
        );
    }
    legend(&mut svg, legend_top, &entries);
    svg.push_str("</svg>");
    svg
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

    fn tally(harmful: u64, scored: u64) -> Tally {
        Tally {
            harmful,
            scored,
            ..Tally::default()
        }
    }

    #[test]
    fn chart_escapes_labels_and_draws_one_bar_and_whisker_per_scored_model() {
        let bars = vec![
            ("openai/<b>gpt</b>".to_string(), tally(96, 100)),
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

    #[test]
    fn a_zero_bar_carries_its_bound_and_long_names_get_a_legend() {
        let long = "anthropic/claude-opus-4-20250514-with-a-very-long-fine-tune-suffix";
        let bars = vec![
            (long.to_string(), tally(0, 100)),
            ("openai/o3".to_string(), tally(5, 10)),
        ];
        let svg = bar_chart("blackmail_explicit-america_replacement", &bars);
        // 0/100: one-sided 95% Clopper–Pearson bound 2.95%.
        assert!(
            svg.contains(">0%<tspan class=\"bound\"") && svg.contains(">UB 3.0%</tspan>"),
            "{svg}"
        );
        assert!(
            svg.contains(">M1<") && svg.contains("M1 = anthropic/claude-opus-4"),
            "{svg}"
        );
        // The chart is at least as wide as its legend line and its title.
        let width: f64 = svg
            .split("width=\"")
            .nth(1)
            .and_then(|w| w.split('"').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(width >= text_width(&format!("M1 = {long}"), LABEL_SIZE, false) + LEFT);
    }

    #[test]
    fn grouped_chart_draws_models_by_conditions_with_a_colour_legend() {
        let models = vec![
            "openai/gpt-4.1".to_string(),
            "google/gemini-2.5-pro".to_string(),
        ];
        let conditions = vec![
            "blackmail_explicit-america_replacement".to_string(),
            "blackmail_none-none_replacement".to_string(),
            "leaking_explicit-america_replacement".to_string(),
        ];
        let cells = vec![
            vec![tally(80, 100), tally(10, 100), tally(0, 50)],
            vec![tally(95, 100), tally(3, 100), tally(40, 50)],
        ];
        let svg = grouped_chart("Harmful rate by condition", &models, &conditions, &cells);
        assert_eq!(svg.matches("class=\"bar\"").count(), 6);
        assert!(svg.contains(">openai/gpt-4.1<") && svg.contains(">google/gemini-2.5-pro<"));
        assert!(svg.contains("0% (UB 5.8%)"), "{svg}");
        assert!(svg.contains("rotate(-90)"));
    }
}
