//! The entry points of `insider compare`: cells compared one by one, plus the pooled analysis
//! that pairs clusters (conditions by default) and the provenance checks between two runs.

use super::comparisons::{compare_levels, compare_tables, ComparisonSet};
use crate::pooled::{pooled_analysis, side_clusters, PooledAnalysis, PooledOptions};
use crate::source::TrialSource;
use crate::table::{
    check_factors_present, tabulate_facts_many, tabulate_many, Table, Tally, KNOWN_FACTORS,
};
use std::collections::BTreeMap;

/// Choices of `insider compare`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareOptions {
    /// What a cluster is: a factor name, or `condition` (the default for two runs). For
    /// levels of one factor the default is "the condition apart from that factor".
    pub cluster: Option<String>,
    /// Bootstrap settings.
    pub pooled: PooledOptions,
}

/// Factors that, with the model, make up a condition (the default pairing of factor levels).
static CONDITION_FACTORS: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| [&["scenario"], insider_scenario::FACTOR_NAMES].concat());

fn check_cluster(cluster: &str) -> anyhow::Result<()> {
    if cluster == "condition" || KNOWN_FACTORS.contains(&cluster) {
        Ok(())
    } else {
        anyhow::bail!(
            "--cluster `{cluster}` is not a factor; use condition or one of: {}",
            KNOWN_FACTORS.join(", ")
        )
    }
}

/// Compare run A with run B (the baseline): every shared `within` cell with Newcombe and
/// Fisher, and per stratum (`within` without the cluster factor) the paired, cluster-robust
/// analysis over shared clusters (conditions by default).
pub fn compare_runs(
    a: (&dyn TrialSource, &str),
    b: (&dyn TrialSource, &str),
    within: &[String],
    options: &CompareOptions,
) -> anyhow::Result<ComparisonSet> {
    let cluster = options
        .cluster
        .clone()
        .unwrap_or_else(|| "condition".into());
    check_cluster(&cluster)?;
    let strata: Vec<String> = within.iter().filter(|f| **f != cluster).cloned().collect();
    let mut clustered = strata.clone();
    clustered.push(cluster.clone());
    let groupings = [within.to_vec(), clustered];
    let (tables_a, provenance_a) = tabulate_facts_many(a.0, &groupings)?;
    let (tables_b, provenance_b) = tabulate_facts_many(b.0, &groupings)?;
    let mut tables_a = tables_a.into_iter();
    let mut tables_b = tables_b.into_iter();
    let (cells_a, clusters_a) = (tables_a.next().unwrap(), tables_a.next().unwrap());
    let (cells_b, clusters_b) = (tables_b.next().unwrap(), tables_b.next().unwrap());
    check_factors_present(&cells_a)?;
    let mut set = compare_tables(&cells_a, a.1, &cells_b, b.1)?;
    let differences = crate::provenance::differences(&provenance_a, &provenance_b);
    let side_a = side_clusters(&clusters_a, strata.len());
    let side_b = side_clusters(&clusters_b, strata.len());
    let mut pooled = pooled_analysis((a.1, &side_a), (b.1, &side_b), &cluster, &options.pooled);
    pooled.stratum_names = strata;
    if !differences.blocking.is_empty() {
        // Pooling across different worlds, rules or graders would average unlike things.
        pooled.analysis = crate::pooled::Analysis::Independent;
        pooled.explanation = format!(
            "not pooled: the two runs were not measured the same way ({}); only the cell-by-cell comparisons are shown, and they compare different measurements",
            differences.blocking.join("; ")
        );
        pooled.strata.clear();
    }
    set.warnings = differences
        .blocking
        .iter()
        .map(|d| format!("the runs differ in {d}"))
        .chain(
            differences
                .other
                .iter()
                .map(|d| format!("the runs differ in {d}")),
        )
        .collect();
    set.pooled = Some(pooled);
    Ok(set)
}

/// Compare the levels of `factor` within one run against `baseline` (see [`compare_levels`]),
/// with the pooled analysis pairing each level with the baseline on the rest of the condition
/// (or on `options.cluster`).
pub fn compare_factor(
    source: &dyn TrialSource,
    factor: &str,
    baseline: Option<&str>,
    within: &[String],
    options: &CompareOptions,
) -> anyhow::Result<ComparisonSet> {
    if within.iter().any(|w| w == factor) {
        anyhow::bail!("--by {factor} cannot also be in --within");
    }
    let cluster_columns: Vec<String> = match &options.cluster {
        Some(cluster) if cluster == factor => {
            anyhow::bail!("--cluster {cluster} is the factor being compared")
        }
        Some(cluster) => {
            check_cluster(cluster)?;
            vec![cluster.clone()]
        }
        None => CONDITION_FACTORS
            .iter()
            .filter(|f| **f != factor && !within.iter().any(|w| w == *f))
            .map(|f| f.to_string())
            .collect(),
    };
    let cluster_by = match &options.cluster {
        Some(cluster) => cluster.clone(),
        None => format!("condition (apart from {factor})"),
    };
    let mut by = within.to_vec();
    by.push(factor.to_string());
    let mut clustered = by.clone();
    clustered.extend(cluster_columns);
    let mut tables = tabulate_many(source, &[by, clustered])?.into_iter();
    let (cells, clusters) = (tables.next().unwrap(), tables.next().unwrap());
    check_factors_present(&cells)?;
    let mut set = compare_levels(&cells, factor, baseline)?;
    let Some(base) = set.comparisons.first().map(|c| c.label_b.clone()) else {
        return Ok(set);
    };
    // Split the clustered table by level: rows keyed (within…, level, cluster…).
    let level_at = within.len();
    let mut by_level: BTreeMap<String, Table> = BTreeMap::new();
    for row in &clusters.rows {
        let mut key = row.key.clone();
        let level = key.remove(level_at);
        by_level
            .entry(level)
            .or_insert_with(|| Table {
                by: Vec::new(),
                rows: Vec::new(),
                total: Tally::default(),
            })
            .rows
            .push(crate::table::Row {
                key,
                tally: row.tally.clone(),
            });
    }
    let base_side = by_level
        .get(&base)
        .map(|t| side_clusters(t, within.len()))
        .unwrap_or_default();
    let mut combined: Option<PooledAnalysis> = None;
    for (level, table) in &by_level {
        if *level == base {
            continue;
        }
        let side = side_clusters(table, within.len());
        let pooled = pooled_analysis(
            (level, &side),
            (&base, &base_side),
            &cluster_by,
            &options.pooled,
        );
        combined = Some(match combined {
            None => pooled,
            Some(mut all) => {
                if pooled.analysis == crate::pooled::Analysis::Paired {
                    all.analysis = pooled.analysis;
                    all.explanation = pooled.explanation;
                }
                all.strata.extend(pooled.strata);
                all
            }
        });
    }
    if let Some(pooled) = combined.as_mut() {
        pooled.stratum_names = within.to_vec();
    }
    set.pooled = combined;
    Ok(set)
}
