//! The pooled, design-aware part of a comparison: per stratum (e.g. per model), the two sides'
//! counts in each cluster (condition), the paired difference, the cluster-robust difference
//! with its design effect, and a seeded cluster bootstrap (see [`crate::design`]).
//!
//! `insider compare` builds it whenever the two sides share conditions and says which analysis
//! it used: *paired* when they share at least two conditions in some stratum, *independent*
//! (cell-by-cell Newcombe and Fisher only) otherwise.

use crate::design::{
    cluster_bootstrap, cluster_robust_difference, paired_difference, Bootstrap, ClusterCounts,
    ClusterRobust, PairedDifference,
};
use crate::render::{aligned_grid, markdown_grid, TextFormat};
use crate::table::{Table, Tally};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which analysis a comparison used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Analysis {
    /// Clusters matched across the sides: paired and cluster-robust estimates.
    Paired,
    /// Too few shared clusters: each cell compared on its own.
    Independent,
}

/// Options of the pooled analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledOptions {
    /// Bootstrap replicates (0: no bootstrap).
    pub replicates: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

impl Default for PooledOptions {
    fn default() -> Self {
        PooledOptions {
            replicates: crate::design::DEFAULT_REPLICATES,
            seed: crate::design::DEFAULT_SEED,
        }
    }
}

/// The pooled comparison of one stratum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledComparison {
    /// Stratum key (e.g. the model).
    pub stratum: Vec<String>,
    /// Label of side A.
    pub label_a: String,
    /// Label of side B (the baseline).
    pub label_b: String,
    /// Per-cluster counts of the clusters both sides scored.
    pub clusters: Vec<ClusterCounts>,
    /// Clusters scored on side A only (left out of the pooled estimates).
    pub only_a: Vec<String>,
    /// Clusters scored on side B only.
    pub only_b: Vec<String>,
    /// Mean of per-cluster differences with its paired t interval.
    pub paired: Option<PairedDifference>,
    /// Pooled difference with the cluster-robust error and the design effect.
    pub cluster_robust: Option<ClusterRobust>,
    /// Cluster bootstrap of the pooled difference.
    pub bootstrap: Option<Bootstrap>,
}

/// The pooled analysis of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PooledAnalysis {
    /// Paired or independent.
    pub analysis: Analysis,
    /// What a cluster is (`condition`, or the factors that define it).
    pub cluster_by: String,
    /// One sentence saying which analysis was used and why.
    pub explanation: String,
    /// Names of the stratum factors (the keys of [`PooledComparison::stratum`]).
    pub stratum_names: Vec<String>,
    /// One entry per stratum.
    pub strata: Vec<PooledComparison>,
}

/// Per-stratum, per-cluster tallies of one side, from a table grouped by the stratum factors
/// followed by `cluster_columns` factors (whose values join into the cluster key).
pub fn side_clusters(
    table: &Table,
    stratum_columns: usize,
) -> BTreeMap<Vec<String>, BTreeMap<String, Tally>> {
    let mut out: BTreeMap<Vec<String>, BTreeMap<String, Tally>> = BTreeMap::new();
    for row in &table.rows {
        let (stratum, cluster) = row.key.split_at(stratum_columns);
        out.entry(stratum.to_vec())
            .or_default()
            .entry(cluster.join("_"))
            .or_default()
            .merge(&row.tally);
    }
    out
}

/// One side of a pooled comparison: its label and its clusters per stratum.
pub type Side<'a> = (&'a str, &'a BTreeMap<Vec<String>, BTreeMap<String, Tally>>);

/// Pair the two sides' clusters within each stratum and estimate.
pub fn pooled_analysis(
    a: Side<'_>,
    b: Side<'_>,
    cluster_by: &str,
    options: &PooledOptions,
) -> PooledAnalysis {
    let (label_a, a) = a;
    let (label_b, b) = b;
    let mut strata = Vec::new();
    for (stratum, a_clusters) in a {
        let Some(b_clusters) = b.get(stratum) else {
            continue;
        };
        let scored = |t: &Tally| t.scored > 0;
        let clusters: Vec<ClusterCounts> = a_clusters
            .iter()
            .filter_map(|(key, ta)| {
                let tb = b_clusters.get(key)?;
                (scored(ta) && scored(tb)).then(|| ClusterCounts {
                    cluster: key.clone(),
                    a_harmful: ta.harmful,
                    a_n: ta.scored,
                    b_harmful: tb.harmful,
                    b_n: tb.scored,
                })
            })
            .collect();
        let only = |mine: &BTreeMap<String, Tally>, theirs: &BTreeMap<String, Tally>| {
            mine.iter()
                .filter(|(k, t)| scored(t) && !theirs.get(*k).is_some_and(scored))
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>()
        };
        strata.push(PooledComparison {
            stratum: stratum.clone(),
            label_a: label_a.to_string(),
            label_b: label_b.to_string(),
            paired: paired_difference(&clusters),
            cluster_robust: cluster_robust_difference(&clusters),
            bootstrap: cluster_bootstrap(&clusters, options.replicates, options.seed),
            only_a: only(a_clusters, b_clusters),
            only_b: only(b_clusters, a_clusters),
            clusters,
        });
    }
    let paired = strata.iter().any(|s| s.paired.is_some());
    let mismatched: usize = strata.iter().map(|s| s.only_a.len() + s.only_b.len()).sum();
    let explanation = if !paired {
        format!(
            "independent: the two sides share fewer than two {cluster_by} clusters in every stratum, so each cell is compared on its own (Newcombe interval, Fisher test); no pooled estimate"
        )
    } else if mismatched == 0 {
        format!(
            "paired by {cluster_by}: both sides ran the same {cluster_by} clusters, so each is one unit; the pooled difference uses cluster-robust errors, checked by a cluster bootstrap"
        )
    } else {
        format!(
            "paired by {cluster_by} over the clusters both sides scored; {mismatched} cluster(s) scored on one side only are left out of the pooled estimates (listed in JSON)"
        )
    };
    PooledAnalysis {
        analysis: if paired {
            Analysis::Paired
        } else {
            Analysis::Independent
        },
        cluster_by: cluster_by.to_string(),
        explanation,
        stratum_names: Vec::new(),
        strata,
    }
}

fn signed_pp(value: f64) -> String {
    format!("{:+.1} pp", value * 100.0)
}

fn interval_pp(interval: Option<crate::stats::Interval>) -> String {
    interval
        .map(|i| format!("[{:+.1}, {:+.1}]", i.lo * 100.0, i.hi * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// The pooled analysis as text (table or Markdown); a CSV block for CSV.
pub fn render_pooled(pooled: &PooledAnalysis, within: &[String], format: TextFormat) -> String {
    let mut header: Vec<String> = within.to_vec();
    header.extend(
        [
            "A",
            "B",
            "clusters",
            "paired A−B",
            "95% CI (paired t)",
            "pooled A−B",
            "SE (cluster)",
            "design effect",
            "95% CI (cluster-robust)",
            "95% CI (cluster bootstrap)",
        ]
        .map(String::from),
    );
    let lines: Vec<Vec<String>> = pooled
        .strata
        .iter()
        .map(|s| {
            let mut cells = s.stratum.clone();
            cells.extend([
                s.label_a.clone(),
                s.label_b.clone(),
                s.clusters.len().to_string(),
                s.paired
                    .map(|p| signed_pp(p.estimate))
                    .unwrap_or_else(|| "-".into()),
                interval_pp(s.paired.and_then(|p| p.interval)),
                s.cluster_robust
                    .map(|r| signed_pp(r.estimate))
                    .unwrap_or_else(|| "-".into()),
                s.cluster_robust
                    .map(|r| format!("{:.1} pp", r.se * 100.0))
                    .unwrap_or_else(|| "-".into()),
                s.cluster_robust
                    .and_then(|r| r.design_effect)
                    .map(|d| format!("{d:.2}"))
                    .unwrap_or_else(|| "-".into()),
                interval_pp(s.cluster_robust.and_then(|r| r.interval)),
                interval_pp(s.bootstrap.map(|b| b.interval)),
            ]);
            cells
        })
        .collect();
    if format == TextFormat::Csv {
        let mut out = crate::csv::csv_line(&header);
        for line in &lines {
            out.push_str(&crate::csv::csv_line(line));
        }
        return out;
    }
    let mut notes = vec![format!("analysis: {}.", pooled.explanation)];
    if pooled.analysis == Analysis::Independent {
        // No stratum has an estimate: a grid of dashes would say nothing the note does not.
        return notes
            .iter()
            .map(|n| {
                format!(
                    "{}{n}\n",
                    if format == TextFormat::Markdown {
                        "- "
                    } else {
                        "note: "
                    }
                )
            })
            .collect();
    }
    let fewest = pooled
        .strata
        .iter()
        .filter(|s| s.paired.is_some())
        .map(|s| s.clusters.len())
        .min()
        .unwrap_or(0);
    if fewest < 5 {
        notes.push(format!(
            "few clusters (as few as {fewest}): t intervals with so few degrees of freedom are wide, and a bootstrap can only resample the clusters there are, so its interval is too narrow; run more conditions for a pooled claim."
        ));
    }
    if pooled.analysis == Analysis::Paired {
        notes.push("paired A−B: mean over clusters of (rate A − rate B), t interval with clusters − 1 df; pooled A−B: difference of pooled rates, CR1 cluster-robust SE (t, clusters − 1 df); design effect: clustered over independent-trials variance.".into());
        if let Some(b) = pooled.strata.iter().find_map(|s| s.bootstrap) {
            notes.push(format!(
                "cluster bootstrap: {} resamples of whole clusters, seed {} (percentile interval).",
                b.replicates, b.seed
            ));
        }
    }
    let keys = within.len() + 2;
    match format {
        TextFormat::Markdown => markdown_grid(&header, &lines, keys, &notes),
        _ => aligned_grid(&header, &lines, keys, false, &notes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Row;

    fn table(rows: &[(&str, &str, u64, u64)]) -> Table {
        Table {
            by: vec!["model".into(), "condition".into()],
            rows: rows
                .iter()
                .map(|&(m, c, harmful, scored)| Row {
                    key: vec![m.into(), c.into()],
                    tally: Tally {
                        harmful,
                        scored,
                        ..Tally::default()
                    },
                })
                .collect(),
            total: Tally::default(),
        }
    }

    #[test]
    fn matching_conditions_are_paired_and_mismatches_named() {
        let a = side_clusters(
            &table(&[
                ("m", "c1", 9, 10),
                ("m", "c2", 2, 8),
                ("m", "c3", 7, 10),
                ("m", "c4", 10, 10),
                ("m", "c5", 4, 10),
            ]),
            1,
        );
        let b = side_clusters(
            &table(&[
                ("m", "c1", 6, 10),
                ("m", "c2", 3, 10),
                ("m", "c3", 1, 12),
                ("m", "c4", 8, 10),
                ("m", "c5", 4, 9),
            ]),
            1,
        );
        let pooled = pooled_analysis(("A", &a), ("B", &b), "condition", &PooledOptions::default());
        assert_eq!(pooled.analysis, Analysis::Paired);
        assert!(
            pooled
                .explanation
                .starts_with("paired by condition: both sides"),
            "{}",
            pooled.explanation
        );
        let s = &pooled.strata[0];
        // Same table as design.rs's statsmodels reference: pooled A−B = 0.2353, CR1 SE 0.1301.
        assert!((s.cluster_robust.unwrap().se - 0.13007763004932785).abs() < 1e-9);
        assert!((s.paired.unwrap().estimate - 0.20444444444444443).abs() < 1e-12);
        let text = render_pooled(&pooled, &["model".to_string()], TextFormat::Table);
        assert!(text.contains("+23.5 pp") && text.contains("1.42"), "{text}");
        assert!(text.contains("seed 20250620"), "{text}");

        // B lacks c5 and adds c9: still paired over four, with the two named.
        let b2 = side_clusters(
            &table(&[
                ("m", "c1", 6, 10),
                ("m", "c2", 3, 10),
                ("m", "c3", 1, 12),
                ("m", "c4", 8, 10),
                ("m", "c9", 1, 10),
            ]),
            1,
        );
        let pooled = pooled_analysis(
            ("A", &a),
            ("B", &b2),
            "condition",
            &PooledOptions::default(),
        );
        assert_eq!(pooled.analysis, Analysis::Paired);
        assert_eq!(pooled.strata[0].only_a, vec!["c5".to_string()]);
        assert_eq!(pooled.strata[0].only_b, vec!["c9".to_string()]);
        assert!(pooled
            .explanation
            .contains("2 cluster(s) scored on one side only"));
    }

    #[test]
    fn one_shared_condition_falls_back_to_independent() {
        let a = side_clusters(&table(&[("m", "c1", 9, 10)]), 1);
        let b = side_clusters(&table(&[("m", "c1", 3, 10)]), 1);
        let pooled = pooled_analysis(("A", &a), ("B", &b), "condition", &PooledOptions::default());
        assert_eq!(pooled.analysis, Analysis::Independent);
        assert!(pooled.explanation.starts_with("independent"));
        assert!(pooled.strata[0].paired.is_none());
    }
}
