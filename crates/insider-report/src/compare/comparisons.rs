//! Comparing group A with group B in each stratum: the difference of rates, Fisher's exact
//! p-value and Holm's correction. A child of its own so that the entry points in `design` can
//! build comparisons without depending on the module that renders them.

use crate::pooled::PooledAnalysis;
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
