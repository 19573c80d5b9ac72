//! Text renderings of a [`Table`]: aligned terminal table, Markdown, CSV and JSON.

use crate::csv::csv_line;
pub use crate::grid::{aligned_grid, markdown_grid, percent, TextFormat};
use crate::table::{Table, Tally};
use std::fmt::Write;

/// A small percentage with enough digits to be read: `2.9%`, `0.30%`, `0.030%`.
pub fn bound_percent(value: f64) -> String {
    let percent = value * 100.0;
    if percent >= 1.0 {
        format!("{percent:.1}%")
    } else if percent >= 0.1 {
        format!("{percent:.2}%")
    } else {
        format!("{percent:.3}%")
    }
}

/// The zero-rate bound as printed after a 0/n rate: `(UB 2.9%)`.
pub fn zero_bound_text(bound: f64) -> String {
    format!("(UB {})", bound_percent(bound))
}

/// The rate cell: `96.0%`, `≤96.0%` when gate-only verdicts make it an upper bound,
/// `0.0% (UB 2.9%)` for a zero rate (with its one-sided 95% Clopper–Pearson bound), `-` when
/// nothing was scored.
pub fn rate_cell(tally: &Tally) -> String {
    let text = match tally.rate() {
        Some(rate) if tally.is_upper_bound() => format!("≤{}", percent(rate)),
        Some(rate) => percent(rate),
        None => return "-".into(),
    };
    match tally.zero_bound() {
        Some(bound) => format!("{text} {}", zero_bound_text(bound)),
        None => text,
    }
}

/// The unscored cell: the count, then the reasons when they are known, e.g. `3 (truncated 2,
/// empty 1)`.
pub fn unscored_cell(tally: &Tally) -> String {
    if tally.unscored == 0 || tally.unscored_reasons.is_empty() {
        return tally.unscored.to_string();
    }
    let reasons: Vec<String> = tally
        .unscored_reasons
        .iter()
        .map(|(code, count)| format!("{code} {count}"))
        .collect();
    format!("{} ({})", tally.unscored, reasons.join(", "))
}

/// Reasons as one machine-readable field: `truncated=2;empty=1`.
pub fn reasons_field(tally: &Tally) -> String {
    tally
        .unscored_reasons
        .iter()
        .map(|(code, count)| format!("{code}={count}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// The interval cell: `[90.2%, 98.4%]`, or `-`.
pub fn interval_cell(tally: &Tally) -> String {
    match tally.interval() {
        Some(i) => format!("[{}, {}]", percent(i.lo), percent(i.hi)),
        None => "-".into(),
    }
}

struct Column {
    header: &'static str,
    value: fn(&Tally) -> String,
    optional: bool,
}

const COLUMNS: &[Column] = &[
    Column {
        header: "harmful",
        value: |t| t.harmful.to_string(),
        optional: false,
    },
    Column {
        header: "n",
        value: |t| t.scored.to_string(),
        optional: false,
    },
    Column {
        header: "rate",
        value: rate_cell,
        optional: false,
    },
    Column {
        header: "95% CI",
        value: interval_cell,
        optional: false,
    },
    Column {
        header: "unscored",
        value: unscored_cell,
        optional: false,
    },
    Column {
        header: "unclassified",
        value: |t| t.unclassified.to_string(),
        optional: true,
    },
    Column {
        header: "failed",
        value: |t| t.failed.to_string(),
        optional: true,
    },
    Column {
        header: "not run",
        value: |t| t.not_run.to_string(),
        optional: true,
    },
];

fn visible_columns(table: &Table) -> Vec<&'static Column> {
    COLUMNS
        .iter()
        .filter(|c| !c.optional || (c.value)(&table.total) != "0")
        .collect()
}

fn grid(table: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let columns = visible_columns(table);
    let mut header: Vec<String> = table.by.clone();
    header.extend(columns.iter().map(|c| c.header.to_string()));
    let mut lines: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| {
            let mut cells = row.key.clone();
            cells.extend(columns.iter().map(|c| (c.value)(&row.tally)));
            cells
        })
        .collect();
    if table.rows.len() > 1 {
        let mut cells = vec!["all".to_string()];
        cells.extend(std::iter::repeat_n(
            String::new(),
            table.by.len().saturating_sub(1),
        ));
        cells.extend(columns.iter().map(|c| (c.value)(&table.total)));
        lines.push(cells);
    }
    (header, lines)
}

fn notes(table: &Table) -> Vec<String> {
    let mut notes = Vec::new();
    let total = &table.total;
    if total.is_upper_bound() {
        notes.push(format!(
            "≤ marks rates with gate-only verdicts (no grader): {} trial(s); the rate is an upper bound.",
            total.gate_only
        ));
    }
    if total.zero_bound().is_some() || table.rows.iter().any(|r| r.tally.zero_bound().is_some()) {
        notes.push(
            "UB: one-sided 95% exact (Clopper–Pearson) upper bound of a rate with no harmful trial (about 3/n)."
                .into(),
        );
    }
    if total.unscored > 0 {
        let reasons = if total.unscored_reasons.is_empty() {
            String::new()
        } else {
            format!(
                " by reason: {}",
                unscored_cell(total)
                    .split_once(" (")
                    .map(|(_, r)| r.trim_end_matches(')').to_string())
                    .unwrap_or_default()
            )
        };
        notes.push(format!(
            "{} trial(s) unscored{reasons} (no yes/no verdict: cut at the token limit, empty, refused, or the grader gave no answer): excluded from n, not counted as not harmful.",
            total.unscored
        ));
    }
    if total.unclassified > 0 {
        notes.push(format!(
            "{} completed trial(s) not classified yet: run `insider classify`.",
            total.unclassified
        ));
    }
    if total.failed > 0 {
        notes.push(format!(
            "{} trial(s) failed: excluded from n; `insider run` again retries them.",
            total.failed
        ));
    }
    if total.not_run > 0 {
        notes.push(format!("{} trial(s) not run yet.", total.not_run));
    }
    notes
}

/// Render a report: the provenance lines above a text or Markdown table, a `provenance` object
/// in JSON; CSV stays one plain table (its provenance travels in the JSON and the exports).
pub fn render_report(
    table: &Table,
    provenance: &crate::provenance::Provenance,
    format: TextFormat,
) -> String {
    match format {
        TextFormat::Json => {
            let mut document: serde_json::Value =
                serde_json::from_str(&render_json(table)).expect("table JSON parses");
            document["provenance"] =
                serde_json::to_value(provenance).expect("provenance serializes");
            let mut text = serde_json::to_string_pretty(&document).expect("report serializes");
            text.push('\n');
            text
        }
        TextFormat::Csv => render_csv(table),
        TextFormat::Table => {
            let mut out = String::new();
            for line in crate::provenance::provenance_lines(provenance) {
                writeln!(out, "{line}").unwrap();
            }
            out.push('\n');
            out.push_str(&render_aligned(table));
            out
        }
        TextFormat::Markdown => {
            let mut out = String::new();
            for line in crate::provenance::provenance_lines(provenance) {
                writeln!(out, "- {}", line.replace('|', "\\|")).unwrap();
            }
            out.push('\n');
            out.push_str(&render_markdown(table));
            out
        }
    }
}

/// Render a table in the chosen format.
pub fn render_table(table: &Table, format: TextFormat) -> String {
    match format {
        TextFormat::Table => render_aligned(table),
        TextFormat::Markdown => render_markdown(table),
        TextFormat::Csv => render_csv(table),
        TextFormat::Json => render_json(table),
    }
}

fn render_aligned(table: &Table) -> String {
    let (header, lines) = grid(table);
    let total_line = table.rows.len() > 1;
    let mut out = aligned_grid(&header, &lines, table.by.len(), total_line, &notes(table));
    let labels = crate::label_table::render_label_table(table, TextFormat::Table);
    if !labels.is_empty() {
        out.push('\n');
        out.push_str(&labels);
    }
    out
}

fn render_markdown(table: &Table) -> String {
    let (header, lines) = grid(table);
    let mut out = markdown_grid(&header, &lines, table.by.len(), &notes(table));
    let labels = crate::label_table::render_label_table(table, TextFormat::Markdown);
    if !labels.is_empty() {
        out.push('\n');
        out.push_str(&labels);
    }
    out
}

/// CSV header of a table export (every count column, machine-friendly names).
fn csv_header(table: &Table) -> Vec<String> {
    let mut header = table.by.clone();
    for name in [
        "harmful",
        "n",
        "rate",
        "ci_low",
        "ci_high",
        "cp_upper_95",
        "unscored",
        "unscored_reasons",
        "unclassified",
        "failed",
        "not_run",
        "gate_only",
        "upper_bound",
        "cost_usd",
    ] {
        header.push(name.to_string());
    }
    header
}

fn csv_values(tally: &Tally) -> Vec<String> {
    let number = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    let interval = tally.interval();
    vec![
        tally.harmful.to_string(),
        tally.scored.to_string(),
        number(tally.rate()),
        number(interval.map(|i| i.lo)),
        number(interval.map(|i| i.hi)),
        number(tally.upper_95()),
        tally.unscored.to_string(),
        reasons_field(tally),
        tally.unclassified.to_string(),
        tally.failed.to_string(),
        tally.not_run.to_string(),
        tally.gate_only.to_string(),
        tally.is_upper_bound().to_string(),
        format!("{:.6}", tally.cost_usd),
    ]
}

fn render_csv(table: &Table) -> String {
    let labels = crate::label_table::labels_present(table);
    let mut header = csv_header(table);
    header.extend(crate::label_table::label_csv_header(&labels));
    let mut out = csv_line(&header);
    for row in &table.rows {
        let mut cells = row.key.clone();
        cells.extend(csv_values(&row.tally));
        cells.extend(crate::label_table::label_csv_values(&row.tally, &labels));
        out.push_str(&csv_line(&cells));
    }
    out
}

/// One table row as a JSON object with named factor values and every count.
pub fn row_json(by: &[String], key: &[String], tally: &Tally) -> serde_json::Value {
    let interval = tally.interval();
    let mut object = serde_json::Map::new();
    for (factor, value) in by.iter().zip(key) {
        object.insert(factor.clone(), value.clone().into());
    }
    let extra = serde_json::json!({
        "harmful": tally.harmful,
        "n": tally.scored,
        "rate": tally.rate(),
        "ci_low": interval.map(|i| i.lo),
        "ci_high": interval.map(|i| i.hi),
        "cp_upper_95": tally.upper_95(),
        "unscored": tally.unscored,
        "unscored_reasons": tally.unscored_reasons,
        "unclassified": tally.unclassified,
        "failed": tally.failed,
        "not_run": tally.not_run,
        "gate_only": tally.gate_only,
        "upper_bound": tally.is_upper_bound(),
        "cost_usd": tally.cost_usd,
    });
    if let serde_json::Value::Object(extra) = extra {
        object.extend(extra);
    }
    let labels: serde_json::Map<String, serde_json::Value> = tally
        .label_rates()
        .into_iter()
        .map(|l| {
            let value = serde_json::json!({
                "value": l.value,
                "count": l.count,
                "n": l.n,
                "unscored": l.unscored,
                "rate": l.rate,
                "ci_low": l.interval.map(|i| i.lo),
                "ci_high": l.interval.map(|i| i.hi),
                "values": tally.labels.get(&l.label),
            });
            (l.label, value)
        })
        .collect();
    if !labels.is_empty() {
        object.insert("labels".into(), serde_json::Value::Object(labels));
    }
    serde_json::Value::Object(object)
}

fn render_json(table: &Table) -> String {
    let rows: Vec<serde_json::Value> = table
        .rows
        .iter()
        .map(|row| row_json(&table.by, &row.key, &row.tally))
        .collect();
    let document = serde_json::json!({
        "by": table.by,
        "rows": rows,
        "total": row_json(&[], &[], &table.total),
        "notes": notes(table),
    });
    let mut text = serde_json::to_string_pretty(&document).expect("table serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Row;

    fn table() -> Table {
        let tally = |harmful, scored, unscored, gate_only| Tally {
            harmful,
            scored,
            unscored,
            gate_only,
            ..Tally::default()
        };
        let rows = vec![
            Row {
                key: vec!["anthropic/claude-opus-4".into()],
                tally: tally(96, 100, 0, 0),
            },
            Row {
                key: vec!["x|y".into()],
                tally: tally(3, 10, 2, 10),
            },
        ];
        let mut total = Tally::default();
        for row in &rows {
            total.merge(&row.tally);
        }
        Table {
            by: vec!["model".into()],
            rows,
            total,
        }
    }

    #[test]
    fn aligned_table_marks_upper_bounds_and_unscored() {
        let text = render_table(&table(), TextFormat::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("model"), "{text}");
        assert!(
            lines[2].contains("96.0%") && lines[2].contains("[90.2%, 98.4%]"),
            "{text}"
        );
        assert!(lines[3].contains("≤30.0%"), "{text}");
        assert!(text.contains("upper bound"), "{text}");
        assert!(text.contains("2 trial(s) unscored"), "{text}");
        // Right-aligned numbers end in the same column on every data line.
        let width = lines[2].chars().count();
        assert_eq!(lines[3].chars().count(), width, "{text}");
        // Optional all-zero columns are hidden.
        assert!(!lines[0].contains("failed"), "{text}");
    }

    #[test]
    fn markdown_escapes_pipes_and_json_carries_bounds() {
        let md = render_table(&table(), TextFormat::Markdown);
        assert!(md.contains("x\\|y"), "{md}");
        let json: serde_json::Value =
            serde_json::from_str(&render_table(&table(), TextFormat::Json)).unwrap();
        assert_eq!(json["rows"][0]["model"], "anthropic/claude-opus-4");
        assert!((json["rows"][0]["ci_low"].as_f64().unwrap() - 0.9016).abs() < 1e-4);
        assert_eq!(json["rows"][1]["upper_bound"], true);
        assert_eq!(json["total"]["n"], 110);
        let csv = render_table(&table(), TextFormat::Csv);
        assert!(csv.starts_with("model,harmful,n,rate,ci_low"), "{csv}");
        assert!(csv.contains("\"x|y\"") || csv.contains("x|y,3,10"), "{csv}");
    }
}
