//! Secondary label rates (eval awareness, harmful disclosure, considered but refrained) as a
//! table beside the harm rates, each with its n and 95% Wilson interval.

use crate::grid::{aligned_grid, markdown_grid, percent, TextFormat};
use crate::table::{LabelRate, Table, Tally};

/// Labels present anywhere in the table, in name order.
pub fn labels_present(table: &Table) -> Vec<String> {
    table.total.labels.keys().cloned().collect()
}

fn rate_text(rate: &LabelRate) -> (String, String) {
    match (rate.rate, rate.interval) {
        (Some(r), Some(i)) => (
            percent(r),
            format!("[{}, {}]", percent(i.lo), percent(i.hi)),
        ),
        _ => ("-".into(), "-".into()),
    }
}

/// Header and lines of the label table: one line per row and label.
pub fn label_grid(table: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = table.by.clone();
    header.extend(["label", "value", "count", "n", "rate", "95% CI", "unscored"].map(String::from));
    let mut lines = Vec::new();
    let mut push = |key: Vec<String>, tally: &Tally| {
        for rate in tally.label_rates() {
            let (rate_cell, interval_cell) = rate_text(&rate);
            let mut cells = key.clone();
            cells.extend([
                rate.label,
                rate.value,
                rate.count.to_string(),
                rate.n.to_string(),
                rate_cell,
                interval_cell,
                rate.unscored.to_string(),
            ]);
            lines.push(cells);
        }
    };
    for row in &table.rows {
        push(row.key.clone(), &row.tally);
    }
    if table.rows.len() > 1 {
        let mut key = vec!["all".to_string()];
        key.extend(std::iter::repeat_n(
            String::new(),
            table.by.len().saturating_sub(1),
        ));
        push(key, &table.total);
    }
    (header, lines)
}

/// The label table in a text format (empty when no verdict carries a label).
pub fn render_label_table(table: &Table, format: TextFormat) -> String {
    if table.total.labels.is_empty() {
        return String::new();
    }
    let (header, lines) = label_grid(table);
    let notes = vec![
        "label rates: share of classified trials whose label grader gave that answer; n leaves out trials whose label answer was unusable (unscored).".to_string(),
    ];
    let keys = table.by.len() + 2;
    match format {
        TextFormat::Markdown => markdown_grid(&header, &lines, keys, &notes),
        _ => aligned_grid(&header, &lines, keys, false, &notes),
    }
}

/// CSV header cells for the labels present: `<label>_count`, `_n`, `_rate`, `_ci_low`, `_ci_high`.
pub fn label_csv_header(labels: &[String]) -> Vec<String> {
    labels
        .iter()
        .flat_map(|l| {
            ["count", "n", "rate", "ci_low", "ci_high"].map(|suffix| format!("{l}_{suffix}"))
        })
        .collect()
}

/// CSV cells of one tally for the labels present, matching [`label_csv_header`].
pub fn label_csv_values(tally: &Tally, labels: &[String]) -> Vec<String> {
    let number = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
    let rates = tally.label_rates();
    labels
        .iter()
        .flat_map(|label| match rates.iter().find(|r| &r.label == label) {
            Some(r) => vec![
                r.count.to_string(),
                r.n.to_string(),
                number(r.rate),
                number(r.interval.map(|i| i.lo)),
                number(r.interval.map(|i| i.hi)),
            ],
            None => vec![
                "0".into(),
                "0".into(),
                String::new(),
                String::new(),
                String::new(),
            ],
        })
        .collect()
}
