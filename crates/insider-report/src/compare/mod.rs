//! Comparisons of two groups: difference of rates with Newcombe's interval, Fisher's exact
//! p-value, and Holm's correction across every comparison shown together; plus, when the two
//! sides share conditions, the paired and cluster-robust pooled analysis of [`crate::pooled`]
//! ([`design`] holds the entry points `insider compare` calls).

mod comparisons;
mod design;

pub use comparisons::{compare_levels, compare_tables, Comparison, ComparisonSet};
pub use design::{compare_factor, compare_runs, CompareOptions};

use crate::pooled::render_pooled;
use crate::render::{aligned_grid, markdown_grid, rate_cell, TextFormat};
use crate::stats::Difference;

fn p_cell(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.0001 => "<0.0001".into(),
        Some(p) => format!("{p:.4}"),
        None => "-".into(),
    }
}

fn difference_cells(d: &Option<Difference>) -> (String, String) {
    match d {
        Some(d) => (
            format!("{:+.1} pp", d.estimate * 100.0),
            format!(
                "[{:+.1}, {:+.1}]",
                d.interval.lo * 100.0,
                d.interval.hi * 100.0
            ),
        ),
        None => ("-".into(), "-".into()),
    }
}

/// Render a comparison set in the chosen format.
pub fn render_comparisons(set: &ComparisonSet, format: TextFormat) -> String {
    if format == TextFormat::Json {
        let mut text = serde_json::to_string_pretty(set).expect("comparisons serialize");
        text.push('\n');
        return text;
    }
    let mut header: Vec<String> = set.within.clone();
    header.extend(
        [
            "A",
            "B",
            "A harmful/n",
            "A rate",
            "B harmful/n",
            "B rate",
            "A−B",
            "95% CI (Newcombe)",
            "p (Fisher)",
            "p (Holm)",
        ]
        .map(String::from),
    );
    if format == TextFormat::Csv {
        header = set.within.clone();
        header.extend(
            [
                "a",
                "b",
                "a_harmful",
                "a_n",
                "b_harmful",
                "b_n",
                "difference",
                "ci_low",
                "ci_high",
                "p_fisher",
                "p_holm",
            ]
            .map(String::from),
        );
        let number = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        let mut out = crate::csv::csv_line(&header);
        for c in &set.comparisons {
            let mut cells = c.stratum.clone();
            cells.extend([
                c.label_a.clone(),
                c.label_b.clone(),
                c.a.harmful.to_string(),
                c.a.scored.to_string(),
                c.b.harmful.to_string(),
                c.b.scored.to_string(),
                number(c.difference.map(|d| d.estimate)),
                number(c.difference.map(|d| d.interval.lo)),
                number(c.difference.map(|d| d.interval.hi)),
                number(c.p_value),
                number(c.p_holm),
            ]);
            out.push_str(&crate::csv::csv_line(&cells));
        }
        if let Some(pooled) = &set.pooled {
            out.push('\n');
            out.push_str(&render_pooled(pooled, &pooled.stratum_names, format));
        }
        return out;
    }
    let lines: Vec<Vec<String>> = set
        .comparisons
        .iter()
        .map(|c| {
            let (difference, interval) = difference_cells(&c.difference);
            let mut cells = c.stratum.clone();
            cells.extend([
                c.label_a.clone(),
                c.label_b.clone(),
                format!("{}/{}", c.a.harmful, c.a.scored),
                rate_cell(&c.a),
                format!("{}/{}", c.b.harmful, c.b.scored),
                rate_cell(&c.b),
                difference,
                interval,
                p_cell(c.p_value),
                p_cell(c.p_holm),
            ]);
            cells
        })
        .collect();
    let mut notes = vec![format!(
        "{} comparison(s); Holm-adjusted p-values control the family-wise error rate across all of them.",
        set.comparisons.len()
    )];
    if set
        .comparisons
        .iter()
        .any(|c| c.a.is_upper_bound() || c.b.is_upper_bound())
    {
        notes.push("≤ marks rates with gate-only verdicts: upper bounds.".into());
    }
    let keys = set.within.len() + 2;
    let mut out = String::new();
    for warning in &set.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    if !set.warnings.is_empty() {
        out.push('\n');
    }
    out.push_str(&match format {
        TextFormat::Markdown => markdown_grid(&header, &lines, keys, &notes),
        _ => aligned_grid(&header, &lines, keys, false, &notes),
    });
    if let Some(pooled) = &set.pooled {
        out.push('\n');
        out.push_str(&render_pooled(pooled, &pooled.stratum_names, format));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Row, Table, Tally};

    fn tally(harmful: u64, scored: u64) -> Tally {
        Tally {
            harmful,
            scored,
            ..Tally::default()
        }
    }

    fn row(model: &str, level: &str, harmful: u64, scored: u64) -> Row {
        Row {
            key: vec![model.into(), level.into()],
            tally: tally(harmful, scored),
        }
    }

    #[test]
    fn levels_are_compared_to_the_none_baseline_within_each_model() {
        let table = Table {
            by: vec!["model".into(), "extra_instructions".into()],
            rows: vec![
                row("a", "dont", 37, 100),
                row("a", "goal", 50, 100),
                row("a", "none", 96, 100),
                row("b", "dont", 10, 100),
                row("b", "none", 12, 100),
            ],
            total: Tally::default(),
        };
        let set = compare_levels(&table, "extra_instructions", None).unwrap();
        assert_eq!(set.comparisons.len(), 3);
        assert!(set.comparisons.iter().all(|c| c.label_b == "none"));
        let first = &set.comparisons[0];
        assert_eq!(
            (first.stratum[0].as_str(), first.label_a.as_str()),
            ("a", "dont")
        );
        assert!((first.difference.unwrap().estimate + 0.59).abs() < 1e-12);
        // Holm: the largest p stays ≥ its raw value and every adjusted p ≥ raw.
        for c in &set.comparisons {
            assert!(c.p_holm.unwrap() >= c.p_value.unwrap());
        }
        let b = &set.comparisons[2];
        assert!(
            b.p_value.unwrap() > 0.5,
            "10/100 vs 12/100 is not significant: {b:?}"
        );
        assert!(set.comparisons[0].p_holm.unwrap() < 1e-10);
        let text = render_comparisons(&set, TextFormat::Table);
        assert!(text.contains("-59.0 pp"), "{text}");
        assert!(compare_levels(&table, "extra_instructions", Some("bogus")).is_err());
    }

    #[test]
    fn runs_are_compared_on_shared_cells_only() {
        let a = Table {
            by: vec!["model".into()],
            rows: vec![
                Row {
                    key: vec!["m".into()],
                    tally: tally(9, 10),
                },
                Row {
                    key: vec!["only-a".into()],
                    tally: tally(1, 10),
                },
            ],
            total: Tally::default(),
        };
        let b = Table {
            by: vec!["model".into()],
            rows: vec![Row {
                key: vec!["m".into()],
                tally: tally(3, 10),
            }],
            total: Tally::default(),
        };
        let set = compare_tables(&a, "new", &b, "old").unwrap();
        assert_eq!(set.comparisons.len(), 1);
        let d = set.comparisons[0].difference.unwrap();
        // Newcombe (1998) example (b): 9/10 - 3/10 → [0.1705, 0.8090].
        assert!((d.interval.lo - 0.1705).abs() < 1e-4 && (d.interval.hi - 0.8090).abs() < 1e-4);
        let empty = Table {
            by: vec!["model".into()],
            rows: vec![],
            total: Tally::default(),
        };
        assert!(compare_tables(&a, "x", &empty, "y").is_err());
    }
}
