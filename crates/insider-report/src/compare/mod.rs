//! Comparisons of two groups: difference of rates with Newcombe's interval, Fisher's exact
//! p-value, and Holm's correction across every comparison shown together; plus, when the two
//! sides share conditions, the paired and cluster-robust pooled analysis of [`crate::pooled`]
//! ([`design`] holds the entry points `insider compare` calls).

mod design;

pub use design::{compare_factor, compare_runs, CompareOptions};

use crate::pooled::{render_pooled, PooledAnalysis};
use crate::render::{aligned_grid, markdown_grid, rate_cell, TextFormat};
use crate::stats::{fisher_exact_two_sided, holm, newcombe_difference, Difference, Z_95};
use crate::table::{Table, Tally};
use serde::Serialize;
use std::collections::BTreeMap;

/// One comparison: group A against group B within one stratum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Values of the stratifying factors (e.g. the model), in [`ComparisonSet::within`] order.
    pub stratum: Vec<String>,
    /// Label of group A (a factor level or a run).
    pub label_a: String,
    /// Label of group B (the baseline).
    pub label_b: String,
    /// Counts of group A.
    pub a: Tally,
    /// Counts of group B.
    pub b: Tally,
    /// Rate A minus rate B with its 95% Newcombe interval; `None` if a group has no scored trial.
    pub difference: Option<Difference>,
    /// Two-sided Fisher exact p-value; `None` if a group has no scored trial.
    pub p_value: Option<f64>,
    /// Holm-adjusted p-value across the set.
    pub p_holm: Option<f64>,
}

/// A family of comparisons reported together (Holm-corrected as one family).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonSet {
    /// What is compared, e.g. `extra_instructions` or `run`.
    pub factor: String,
    /// Stratifying factor names.
    pub within: Vec<String>,
    /// The comparisons.
    pub comparisons: Vec<Comparison>,
    /// The pooled, design-aware analysis (paired by cluster, or why not), when computed.
    pub pooled: Option<PooledAnalysis>,
    /// Warnings printed with the comparison (e.g. the sides differ in pack or grader).
    pub warnings: Vec<String>,
}

fn compare(
    stratum: Vec<String>,
    label_a: String,
    a: Tally,
    label_b: String,
    b: Tally,
) -> Comparison {
    let difference = newcombe_difference(a.harmful, a.scored, b.harmful, b.scored, Z_95);
    let p_value = (a.scored > 0 && b.scored > 0).then(|| {
        fisher_exact_two_sided(
            a.harmful,
            a.scored - a.harmful,
            b.harmful,
            b.scored - b.harmful,
        )
    });
    Comparison {
        stratum,
        label_a,
        label_b,
        a,
        b,
        difference,
        p_value,
        p_holm: None,
    }
}

fn apply_holm(comparisons: &mut [Comparison]) {
    let tested: Vec<usize> = (0..comparisons.len())
        .filter(|&i| comparisons[i].p_value.is_some())
        .collect();
    let p: Vec<f64> = tested
        .iter()
        .map(|&i| comparisons[i].p_value.unwrap())
        .collect();
    for (&i, adjusted) in tested.iter().zip(holm(&p)) {
        comparisons[i].p_holm = Some(adjusted);
    }
}

/// Compare the levels of `factor` against a baseline level within each stratum.
///
/// `table` must be grouped by `within` followed by `factor`. The baseline is `baseline` if
/// given, else `none` when that level exists, else the first level in sorted order.
pub fn compare_levels(
    table: &Table,
    factor: &str,
    baseline: Option<&str>,
) -> anyhow::Result<ComparisonSet> {
    let Some((last, within)) = table.by.split_last() else {
        anyhow::bail!("internal: comparison table has no grouping");
    };
    if last != factor {
        anyhow::bail!("internal: comparison table must be grouped by `{factor}` last");
    }
    let mut strata: BTreeMap<Vec<String>, BTreeMap<String, Tally>> = BTreeMap::new();
    for row in &table.rows {
        let (level, stratum) = row.key.split_last().expect("row keys match grouping");
        strata
            .entry(stratum.to_vec())
            .or_default()
            .insert(level.clone(), row.tally.clone());
    }
    let levels: std::collections::BTreeSet<&String> =
        strata.values().flat_map(|levels| levels.keys()).collect();
    if levels.len() < 2 {
        anyhow::bail!(
            "factor `{factor}` has {} level(s) in this run; a comparison needs at least two",
            levels.len()
        );
    }
    let base = match baseline {
        Some(b) if levels.iter().any(|l| l.as_str() == b) => b.to_string(),
        Some(b) => anyhow::bail!(
            "baseline `{b}` is not a level of `{factor}`; levels: {}",
            levels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None if levels.iter().any(|l| l.as_str() == "none") => "none".to_string(),
        None => levels.iter().next().unwrap().to_string(),
    };
    let mut comparisons = Vec::new();
    for (stratum, by_level) in &strata {
        let Some(base_tally) = by_level.get(&base) else {
            continue;
        };
        for (level, tally) in by_level {
            if *level != base {
                comparisons.push(compare(
                    stratum.clone(),
                    level.clone(),
                    tally.clone(),
                    base.clone(),
                    base_tally.clone(),
                ));
            }
        }
    }
    apply_holm(&mut comparisons);
    Ok(ComparisonSet {
        factor: factor.to_string(),
        within: within.to_vec(),
        comparisons,
        pooled: None,
        warnings: Vec::new(),
    })
}

/// Compare two runs cell by cell (cells present in both), B as the baseline.
pub fn compare_tables(
    a: &Table,
    label_a: &str,
    b: &Table,
    label_b: &str,
) -> anyhow::Result<ComparisonSet> {
    if a.by != b.by {
        anyhow::bail!("internal: both tables must use the same grouping");
    }
    let b_rows: BTreeMap<&Vec<String>, &Tally> =
        b.rows.iter().map(|r| (&r.key, &r.tally)).collect();
    let mut comparisons: Vec<Comparison> = a
        .rows
        .iter()
        .filter_map(|row| {
            let other = b_rows.get(&row.key)?;
            Some(compare(
                row.key.clone(),
                label_a.to_string(),
                row.tally.clone(),
                label_b.to_string(),
                (*other).clone(),
            ))
        })
        .collect();
    if comparisons.is_empty() {
        anyhow::bail!(
            "the two runs share no ({}) cell; compare runs of the same models and conditions",
            a.by.join(", ")
        );
    }
    apply_holm(&mut comparisons);
    Ok(ComparisonSet {
        factor: "run".into(),
        within: a.by.clone(),
        comparisons,
        pooled: None,
        warnings: Vec::new(),
    })
}

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
    use crate::table::Row;

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
