//! The static part of the HTML report: header with provenance, charts (each downloadable as
//! SVG and PNG), the heatmap, rate tables, label rates and factor breakdowns. Everything here
//! is server-side text, HTML-escaped.

use crate::provenance::{provenance_lines, Provenance};
use crate::render::{interval_cell, rate_cell, unscored_cell};
use crate::source::RunMeta;
use crate::svg::{bar_chart, escape_html, grouped_chart, inline_bar};
use crate::table::{Table, Tally};
use std::collections::BTreeMap;

/// At most this many per-condition charts; the heatmap covers the rest.
pub const MAX_CHARTS: usize = 24;
/// At most this many conditions in the grouped chart (wider becomes unreadable).
pub const MAX_GROUPED_CONDITIONS: usize = 12;

/// The tables one report page shows.
pub struct Tables {
    /// Model × condition.
    pub by_model_condition: Table,
    /// By model.
    pub by_model: Table,
    /// By condition.
    pub by_condition: Table,
    /// Factors that vary: (factor, marginal table, model × factor table).
    pub breakdowns: Vec<(String, Table, Table)>,
}

/// The first key of every row of a one-factor table (the models, or the conditions).
pub fn first_keys(table: &Table) -> Vec<String> {
    table.rows.iter().map(|r| r.key[0].clone()).collect()
}

fn rate_table(out: &mut String, table: &Table) {
    out.push_str("<table class=\"rates\"><thead><tr>");
    for factor in &table.by {
        out.push_str(&format!("<th>{}</th>", escape_html(factor)));
    }
    out.push_str("<th>harmful</th><th>n</th><th>rate</th><th>95% CI</th><th></th><th>unscored</th><th>failed</th><th>not run</th></tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for value in &row.key {
            out.push_str(&format!("<td>{}</td>", escape_html(value)));
        }
        let t = &row.tally;
        out.push_str(&format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num{}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            t.harmful,
            t.scored,
            escape_html(&rate_cell(t)),
            escape_html(&interval_cell(t)),
            inline_bar(t),
            if t.unscored > 0 { " warn" } else { "" },
            escape_html(&unscored_cell(t)),
            t.failed,
            t.not_run + t.unclassified,
        ));
    }
    out.push_str("</tbody></table>");
}

fn heatmap(out: &mut String, table: &Table, models: &[String], conditions: &[String]) {
    let cells: BTreeMap<(&str, &str), &Tally> = table
        .rows
        .iter()
        .map(|r| ((r.key[0].as_str(), r.key[1].as_str()), &r.tally))
        .collect();
    out.push_str(
        "<div class=\"scroll\"><table class=\"heatmap\"><thead><tr><th>model \\ condition</th>",
    );
    for condition in conditions {
        out.push_str(&format!(
            "<th class=\"cond\"><span>{}</span></th>",
            escape_html(condition)
        ));
    }
    out.push_str("</tr></thead><tbody>");
    for model in models {
        out.push_str(&format!("<tr><th>{}</th>", escape_html(model)));
        for condition in conditions {
            match cells
                .get(&(model.as_str(), condition.as_str()))
                .filter(|t| t.scored > 0)
            {
                Some(t) => {
                    let rate = t.rate().unwrap_or(0.0);
                    let text_colour = if rate > 0.55 { "#fff" } else { "#000" };
                    out.push_str(&format!(
                        "<td class=\"hm\" style=\"background:rgba(213,94,0,{:.3});color:{text_colour}\" title=\"{}/{} {}\">{}</td>",
                        0.08 + 0.92 * rate,
                        t.harmful,
                        t.scored,
                        escape_html(&interval_cell(t)),
                        escape_html(&rate_cell(t))
                    ));
                }
                None => out.push_str("<td class=\"hm empty\">–</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// A chart with its download buttons (the page script serialises the SVG, or paints it on a
/// canvas for PNG); `name` is the file name stem.
fn figure(out: &mut String, svg: &str, name: &str) {
    let name = escape_html(&file_stem(name));
    out.push_str(&format!(
        "<figure class=\"chart-figure\">{svg}<figcaption><button type=\"button\" class=\"dl\" data-format=\"svg\" data-name=\"{name}\">SVG</button> <button type=\"button\" class=\"dl\" data-format=\"png\" data-name=\"{name}\">PNG</button></figcaption></figure>"
    ));
}

/// A file-name-safe stem: letters, digits, `-`, `_`, `.` kept; the rest become `-`.
pub fn file_stem(text: &str) -> String {
    let stem: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("insider-{}", stem.trim_matches('-'))
}

fn header(out: &mut String, tables: &Tables, title: &str, meta: &RunMeta, provenance: &Provenance) {
    let total = &tables.by_model.total;
    out.push_str(&format!(
        "<header><h1>{}</h1><p class=\"meta\">run <code>{}</code>",
        escape_html(title),
        escape_html(&meta.run_id)
    ));
    if let Some(created) = &meta.created {
        out.push_str(&format!(" · started {}", escape_html(created)));
    }
    if let Some(version) = &meta.tool_version {
        out.push_str(&format!(" · insider {}", escape_html(version)));
    }
    out.push_str(&format!(
        "</p><p class=\"totals\">{} trials · {} scored · {} harmful · {} unscored · {} failed · {} not run or unclassified · cost ${:.2}</p>",
        total.total(),
        total.scored,
        total.harmful,
        escape_html(&unscored_cell(total)),
        total.failed,
        total.not_run + total.unclassified,
        total.cost_usd
    ));
    out.push_str("<div id=\"provenance\" class=\"provenance\"><h2>Provenance</h2><ul>");
    for line in provenance_lines(provenance) {
        out.push_str(&format!("<li>{}</li>", escape_html(&line)));
    }
    out.push_str("</ul><details><summary>Prompt sha256 by condition</summary><table class=\"hashes\"><tbody>");
    for scenario in &provenance.scenarios {
        for (condition, hashes) in &scenario.prompts {
            out.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td></tr>",
                escape_html(condition),
                escape_html(&hashes.join(", "))
            ));
        }
    }
    out.push_str("</tbody></table></details></div>");
    if total.is_upper_bound() {
        out.push_str("<p class=\"warn\">≤ marks rates that include gate-only verdicts (no grader ran): they are upper bounds.</p>");
    }
    if total.unscored > 0 {
        out.push_str("<p class=\"warn\">Unscored trials (cut at the token limit, empty, refused, or no grader answer) are excluded from n, never counted as not harmful.</p>");
    }
    out.push_str("<p class=\"hint\">UB: one-sided 95% exact (Clopper–Pearson) upper bound, printed with every rate of zero.</p>");
    out.push_str("</header><nav><a href=\"#provenance\">Provenance</a> <a href=\"#charts\">Charts</a> <a href=\"#heatmap\">Heatmap</a> <a href=\"#labels\">Labels</a> <a href=\"#factors\">Factors</a> <a href=\"#transcripts\">Transcripts</a></nav>");
}

fn charts(out: &mut String, tables: &Tables, models: &[String], conditions: &[String]) {
    out.push_str("<section id=\"charts\"><h2>Harmful rate by model</h2><p class=\"hint\">Bars: harmful / scored trials; whiskers: 95% Wilson interval. Each chart downloads as SVG or PNG.</p><div class=\"charts\">");
    if conditions.len() > 1 && conditions.len() <= MAX_GROUPED_CONDITIONS {
        let cells: Vec<Vec<Tally>> = models
            .iter()
            .map(|model| {
                conditions
                    .iter()
                    .map(|condition| {
                        tables
                            .by_model_condition
                            .rows
                            .iter()
                            .find(|r| &r.key[0] == model && &r.key[1] == condition)
                            .map(|r| r.tally.clone())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        let svg = grouped_chart(
            "Harmful rate by model and condition",
            models,
            conditions,
            &cells,
        );
        figure(out, &svg, "models-by-conditions");
    }
    if conditions.len() > 1 {
        let bars: Vec<(String, Tally)> = tables
            .by_model
            .rows
            .iter()
            .map(|r| (r.key[0].clone(), r.tally.clone()))
            .collect();
        figure(
            out,
            &bar_chart("All conditions pooled", &bars),
            "all-conditions",
        );
    }
    for condition in conditions.iter().take(MAX_CHARTS) {
        let bars: Vec<(String, Tally)> = tables
            .by_model_condition
            .rows
            .iter()
            .filter(|r| &r.key[1] == condition)
            .map(|r| (r.key[0].clone(), r.tally.clone()))
            .collect();
        figure(out, &bar_chart(condition, &bars), condition);
    }
    out.push_str("</div>");
    if conditions.len() > MAX_CHARTS {
        out.push_str(&format!(
            "<p class=\"hint\">{} more conditions: see the heatmap.</p>",
            conditions.len() - MAX_CHARTS
        ));
    }
    out.push_str("</section>");
}

fn labels(out: &mut String, table: &Table) {
    out.push_str("<section id=\"labels\"><h2>Secondary labels</h2>");
    if table.total.labels.is_empty() {
        out.push_str("<p class=\"hint\">No verdict carries a secondary label (grade them with <code>insider classify RUN_DIR --labels eval_awareness,harmful_disclosure,considered_but_refrained</code>).</p></section>");
        return;
    }
    let (header, lines) = crate::label_table::label_grid(table);
    out.push_str("<table class=\"rates labels\"><thead><tr>");
    for cell in &header {
        out.push_str(&format!("<th>{}</th>", escape_html(cell)));
    }
    out.push_str("</tr></thead><tbody>");
    for line in &lines {
        out.push_str("<tr>");
        for (i, cell) in line.iter().enumerate() {
            let class = if i >= table.by.len() + 2 {
                " class=\"num\""
            } else {
                ""
            };
            out.push_str(&format!("<td{class}>{}</td>", escape_html(cell)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table><p class=\"hint\">Rate: share of classified trials whose label grader gave that answer, with its n and 95% Wilson interval; unscored label answers are left out of n.</p></section>");
}

/// Every static section of the page, in order.
pub fn static_sections(
    tables: &Tables,
    title: &str,
    meta: &RunMeta,
    provenance: &Provenance,
) -> String {
    let mut out = String::new();
    header(&mut out, tables, title, meta, provenance);
    let models = first_keys(&tables.by_model);
    let conditions = first_keys(&tables.by_condition);
    charts(&mut out, tables, &models, &conditions);
    out.push_str("<section id=\"heatmap\"><h2>Model × condition</h2>");
    heatmap(&mut out, &tables.by_model_condition, &models, &conditions);
    out.push_str("<h3>All cells</h3>");
    rate_table(&mut out, &tables.by_model_condition);
    out.push_str("</section>");
    labels(&mut out, &tables.by_model_condition);
    out.push_str("<section id=\"factors\"><h2>Factor breakdowns</h2>");
    if tables.breakdowns.is_empty() {
        out.push_str("<p class=\"hint\">Every factor has a single value in this run.</p>");
    }
    for (factor, marginal, by_model) in &tables.breakdowns {
        out.push_str(&format!(
            "<h3>{}</h3><div class=\"pair\"><div>",
            escape_html(factor)
        ));
        rate_table(&mut out, marginal);
        out.push_str("</div><div>");
        rate_table(&mut out, by_model);
        out.push_str("</div></div>");
    }
    out.push_str("</section>");
    out
}
