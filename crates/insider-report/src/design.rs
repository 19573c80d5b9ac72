//! Comparisons that respect how trials were drawn.
//!
//! The samples of one condition share a prompt, so they are not independent items: a model
//! that blackmails in one condition tends to do so in every sample of it. Treating 600 trials of
//! 6 conditions as 600 independent draws makes intervals too narrow. Here the condition (or any
//! grouping the caller picks, e.g. a prompt template) is the unit:
//!
//! - [`paired_difference`]: when both sides ran the same conditions, the per-condition
//!   difference of rates, averaged with each condition as one observation (a paired t interval
//!   with C − 1 degrees of freedom).
//! - [`cluster_robust_difference`]: the pooled difference of rates (trial-weighted) with a
//!   cluster-robust (CR1) standard error, conditions as clusters, and the design effect: how
//!   much larger the variance is than if every trial were independent.
//! - [`cluster_bootstrap`]: resampling whole conditions, seeded, as a check on the two above.
//!
//! Everything is a pure function of per-cluster counts.

use crate::stats::Interval;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Counts of the two sides (A and the baseline B) within one cluster (e.g. one condition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterCounts {
    /// Cluster key, e.g. the condition id.
    pub cluster: String,
    /// Harmful trials of side A.
    pub a_harmful: u64,
    /// Scored trials of side A.
    pub a_n: u64,
    /// Harmful trials of side B.
    pub b_harmful: u64,
    /// Scored trials of side B.
    pub b_n: u64,
}

impl ClusterCounts {
    /// Whether both sides have at least one scored trial (only such clusters can be paired).
    pub fn is_paired(&self) -> bool {
        self.a_n > 0 && self.b_n > 0 && self.a_harmful <= self.a_n && self.b_harmful <= self.b_n
    }

    fn difference(&self) -> f64 {
        self.a_harmful as f64 / self.a_n as f64 - self.b_harmful as f64 / self.b_n as f64
    }
}

/// Two-sided 95% quantile of Student's t with `df` degrees of freedom.
pub fn t_quantile_95(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

fn t_two_sided_p(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|dist| (2.0 * (1.0 - dist.cdf(t.abs()))).min(1.0))
        .unwrap_or(f64::NAN)
}

/// The paired difference: each cluster's rate difference A − B, averaged over clusters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedDifference {
    /// Clusters with scored trials on both sides (the number of observations).
    pub clusters: usize,
    /// Mean over clusters of (rate A − rate B).
    pub estimate: f64,
    /// Standard error of the mean (sample sd / √C).
    pub se: f64,
    /// Degrees of freedom of the t interval (C − 1).
    pub df: f64,
    /// 95% t interval; `None` when every cluster has the same difference (no spread to learn
    /// an error from: the interval would be a misleading single point).
    pub interval: Option<Interval>,
    /// Two-sided paired t-test p-value; `None` with the interval.
    pub p_value: Option<f64>,
}

/// Paired difference over the clusters scored on both sides; `None` with fewer than two.
pub fn paired_difference(cells: &[ClusterCounts]) -> Option<PairedDifference> {
    let differences: Vec<f64> = cells
        .iter()
        .filter(|c| c.is_paired())
        .map(ClusterCounts::difference)
        .collect();
    let c = differences.len();
    if c < 2 {
        return None;
    }
    let mean = differences.iter().sum::<f64>() / c as f64;
    let variance = differences.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (c as f64 - 1.0);
    let se = (variance / c as f64).sqrt();
    let df = c as f64 - 1.0;
    let spread = se > 1e-12;
    let half = t_quantile_95(df) * se;
    Some(PairedDifference {
        clusters: c,
        estimate: mean,
        se,
        df,
        interval: spread.then(|| Interval {
            lo: (mean - half).max(-1.0),
            hi: (mean + half).min(1.0),
        }),
        p_value: spread.then(|| t_two_sided_p(mean / se, df)),
    })
}

/// A pooled estimate with its cluster-robust standard error and design effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClusterRobust {
    /// Number of clusters (G).
    pub clusters: usize,
    /// Trials counted (N).
    pub trials: u64,
    /// The pooled estimate (a rate, or a difference of pooled rates).
    pub estimate: f64,
    /// Cluster-robust standard error with the usual small-sample factor
    /// G/(G − 1) · (N − 1)/(N − K) (CR1, as Stata and statsmodels compute it).
    pub se: f64,
    /// Standard error if every trial were independent (the binomial / HC0 one).
    pub se_independent: f64,
    /// Design effect: cluster-robust variance (without the small-sample factor) over the
    /// independent-trials variance; 1 means clustering costs nothing, 3 means the trials are
    /// worth a third of their number. `None` when the independent variance is zero.
    pub design_effect: Option<f64>,
    /// Degrees of freedom of the interval (G − 1).
    pub df: f64,
    /// 95% interval from the CR1 error and t with G − 1 degrees of freedom; `None` when the
    /// error is zero.
    pub interval: Option<Interval>,
}

fn finish_cluster_robust(
    clusters: usize,
    trials: u64,
    estimate: f64,
    variance_cr0: f64,
    variance_independent: f64,
    parameters: f64,
    clamp: (f64, f64),
) -> ClusterRobust {
    let g = clusters as f64;
    let n = trials as f64;
    let correction = g / (g - 1.0) * (n - 1.0) / (n - parameters);
    let se = (variance_cr0 * correction).max(0.0).sqrt();
    let df = g - 1.0;
    let half = t_quantile_95(df) * se;
    ClusterRobust {
        clusters,
        trials,
        estimate,
        se,
        se_independent: variance_independent.max(0.0).sqrt(),
        design_effect: (variance_independent > 1e-15).then(|| variance_cr0 / variance_independent),
        df,
        interval: (se > 1e-12).then(|| Interval {
            lo: (estimate - half).max(clamp.0),
            hi: (estimate + half).min(clamp.1),
        }),
    }
}

/// A pooled rate over clusters `(harmful, n)` with its cluster-robust standard error: the
/// intercept of y = β + ε with clusters; `None` with fewer than two non-empty clusters.
pub fn cluster_robust_rate(clusters: &[(u64, u64)]) -> Option<ClusterRobust> {
    let clusters: Vec<(u64, u64)> = clusters
        .iter()
        .copied()
        .filter(|&(k, n)| n > 0 && k <= n)
        .collect();
    let n: u64 = clusters.iter().map(|c| c.1).sum();
    if clusters.len() < 2 || n < 2 {
        return None;
    }
    let k: u64 = clusters.iter().map(|c| c.0).sum();
    let p = k as f64 / n as f64;
    let n_f = n as f64;
    // Each cluster's score is the sum of its residuals, k_g − n_g p.
    let meat: f64 = clusters
        .iter()
        .map(|&(k_g, n_g)| (k_g as f64 - n_g as f64 * p).powi(2))
        .sum();
    Some(finish_cluster_robust(
        clusters.len(),
        n,
        p,
        meat / (n_f * n_f),
        p * (1.0 - p) / n_f,
        1.0,
        (0.0, 1.0),
    ))
}

/// The pooled difference (Σ harmful A / Σ n A) − (Σ harmful B / Σ n B) with a cluster-robust
/// standard error: the slope of y = β₀ + β₁·[side A] + ε with each cluster holding both sides'
/// trials (the sandwich estimator); `None` with fewer than two paired clusters.
pub fn cluster_robust_difference(cells: &[ClusterCounts]) -> Option<ClusterRobust> {
    let cells: Vec<&ClusterCounts> = cells.iter().filter(|c| c.is_paired()).collect();
    if cells.len() < 2 {
        return None;
    }
    let (mut ka, mut na, mut kb, mut nb) = (0u64, 0u64, 0u64, 0u64);
    for c in &cells {
        ka += c.a_harmful;
        na += c.a_n;
        kb += c.b_harmful;
        nb += c.b_n;
    }
    let (pa, pb) = (ka as f64 / na as f64, kb as f64 / nb as f64);
    let (na_f, nb_f) = (na as f64, nb as f64);
    // (X'X)⁻¹ for columns [1, side A] is [[1/nB, −1/nB], [−1/nB, 1/nA + 1/nB]]; only the
    // slope's row is needed: r = (−1/nB, 1/nA + 1/nB).
    let r = (-1.0 / nb_f, 1.0 / na_f + 1.0 / nb_f);
    // Cluster score s_g = Σ x_i e_i = (S_A + S_B, S_A), with S = k − n p per side.
    let meat: f64 = cells
        .iter()
        .map(|c| {
            let s_a = c.a_harmful as f64 - c.a_n as f64 * pa;
            let s_b = c.b_harmful as f64 - c.b_n as f64 * pb;
            (r.0 * (s_a + s_b) + r.1 * s_a).powi(2)
        })
        .sum();
    let independent = pa * (1.0 - pa) / na_f + pb * (1.0 - pb) / nb_f;
    Some(finish_cluster_robust(
        cells.len(),
        na + nb,
        pa - pb,
        meat,
        independent,
        2.0,
        (-1.0, 1.0),
    ))
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fully specified generator, so a bootstrap
/// with the same seed gives the same interval on every machine and every build.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `bound` (Lemire's multiply-shift; the bias is below 2⁻⁵⁰ for the
    /// cluster counts used here).
    pub fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }
}

/// Default number of bootstrap replicates.
pub const DEFAULT_REPLICATES: usize = 2000;
/// Default bootstrap seed (any fixed value: the point is that reruns agree).
pub const DEFAULT_SEED: u64 = 20_250_620;

/// A cluster bootstrap of the pooled difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bootstrap {
    /// Replicates drawn.
    pub replicates: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Standard deviation of the replicates (the bootstrap standard error).
    pub se: f64,
    /// 2.5% and 97.5% percentiles of the replicates.
    pub interval: Interval,
}

/// Resample whole clusters with replacement `replicates` times and recompute the pooled
/// difference; `None` with fewer than two paired clusters or no replicates.
pub fn cluster_bootstrap(
    cells: &[ClusterCounts],
    replicates: usize,
    seed: u64,
) -> Option<Bootstrap> {
    let cells: Vec<&ClusterCounts> = cells.iter().filter(|c| c.is_paired()).collect();
    if cells.len() < 2 || replicates == 0 {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let mut estimates = Vec::with_capacity(replicates);
    for _ in 0..replicates {
        let (mut ka, mut na, mut kb, mut nb) = (0u64, 0u64, 0u64, 0u64);
        for _ in 0..cells.len() {
            let c = cells[rng.below(cells.len())];
            ka += c.a_harmful;
            na += c.a_n;
            kb += c.b_harmful;
            nb += c.b_n;
        }
        estimates.push(ka as f64 / na as f64 - kb as f64 / nb as f64);
    }
    let mean = estimates.iter().sum::<f64>() / replicates as f64;
    let se = (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>()
        / (replicates.max(2) - 1) as f64)
        .sqrt();
    estimates.sort_by(f64::total_cmp);
    Some(Bootstrap {
        replicates,
        seed,
        se,
        interval: Interval {
            lo: percentile(&estimates, 0.025),
            hi: percentile(&estimates, 0.975),
        },
    })
}

/// Linear-interpolated percentile of sorted values (NumPy's default "linear" method).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed table behind the reference values: five conditions, A and B in each.
    fn table() -> Vec<ClusterCounts> {
        [
            ("c1", 9, 10, 6, 10),
            ("c2", 2, 8, 3, 10),
            ("c3", 7, 10, 1, 12),
            ("c4", 10, 10, 8, 10),
            ("c5", 4, 10, 4, 9),
        ]
        .into_iter()
        .map(|(cluster, a_harmful, a_n, b_harmful, b_n)| ClusterCounts {
            cluster: cluster.into(),
            a_harmful,
            a_n,
            b_harmful,
            b_n,
        })
        .collect()
    }

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn cluster_robust_difference_matches_statsmodels() {
        // Reference: statsmodels 0.15.0 on one row per trial of `table()`, y = harmful (0/1),
        // X = sm.add_constant(is_a), groups = condition:
        //   sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})            bse[1] = 0.13007763004932785
        //   ... cov_kwds={"groups": g, "use_correction": False}                     bse[1] = 0.1157498504219858
        //   sm.OLS(y, X).fit(cov_type="HC0")                                        bse[1] = 0.09715576578442343
        //   params[1] = 0.23529411764705915; design effect = 0.11575² / 0.09716² = 1.4193964622886142
        //   ...fit(cov_type="cluster", cov_kwds={"groups": g}, use_t=True).conf_int()[1]
        //     = [-0.12585928159912657, 0.5964475168932448]  (t with G − 1 = 4 df)
        let r = cluster_robust_difference(&table()).unwrap();
        assert_eq!((r.clusters, r.trials), (5, 99));
        assert!(close(r.estimate, 0.23529411764705915), "{r:?}");
        assert!(close(r.se, 0.13007763004932785), "{r:?}");
        assert!(close(r.se_independent, 0.09715576578442343), "{r:?}");
        assert!(close(r.design_effect.unwrap(), 1.4193964622886142), "{r:?}");
        let interval = r.interval.unwrap();
        assert!(close(interval.lo, -0.12585928159912657), "{r:?}");
        assert!(close(interval.hi, 0.5964475168932448), "{r:?}");
    }

    #[test]
    fn cluster_robust_rate_matches_statsmodels() {
        // statsmodels 0.15.0: side A of `table()` alone, sm.OLS(y, ones).fit(cov_type="cluster",
        // cov_kwds={"groups": g}) → params[0] = 0.666666666666667, bse[0] = 0.13758064413999285;
        // design effect (CR0 over HC0 variance) = 3.2708333333333375.
        let clusters: Vec<(u64, u64)> = table().iter().map(|c| (c.a_harmful, c.a_n)).collect();
        let r = cluster_robust_rate(&clusters).unwrap();
        assert!(close(r.estimate, 0.666666666666667), "{r:?}");
        assert!(close(r.se, 0.13758064413999285), "{r:?}");
        assert!(close(r.design_effect.unwrap(), 3.2708333333333375), "{r:?}");
        assert!(cluster_robust_rate(&[(3, 10)]).is_none());
    }

    #[test]
    fn paired_difference_matches_scipy_ttest_rel() {
        // scipy 1.17.1: a, b = per-condition rates of `table()`;
        // res = scipy.stats.ttest_rel(a, b); res.confidence_interval(0.95)
        //   → mean 0.20444444444444443, [-0.1388511941776417, 0.5477400830665305],
        //     p = 0.17357871383539553
        let d = paired_difference(&table()).unwrap();
        assert_eq!(d.clusters, 5);
        assert!(close(d.estimate, 0.20444444444444443), "{d:?}");
        let interval = d.interval.unwrap();
        assert!(close(interval.lo, -0.1388511941776417), "{d:?}");
        assert!(close(interval.hi, 0.5477400830665305), "{d:?}");
        assert!(
            (d.p_value.unwrap() - 0.17357871383539553).abs() < 1e-7,
            "{d:?}"
        );
    }

    #[test]
    fn unpaired_clusters_are_left_out_and_no_spread_gives_no_interval() {
        let mut cells = table();
        cells.push(ClusterCounts {
            cluster: "only-a".into(),
            a_harmful: 10,
            a_n: 10,
            b_harmful: 0,
            b_n: 0,
        });
        assert_eq!(paired_difference(&cells).unwrap().clusters, 5);
        assert_eq!(cluster_robust_difference(&cells).unwrap().clusters, 5);
        // Every condition 0/10 on both sides: the difference is 0 with nothing to estimate an
        // error from, so no interval is claimed.
        let zeros: Vec<ClusterCounts> = (0..4)
            .map(|i| ClusterCounts {
                cluster: format!("c{i}"),
                a_harmful: 0,
                a_n: 10,
                b_harmful: 0,
                b_n: 10,
            })
            .collect();
        let d = paired_difference(&zeros).unwrap();
        assert_eq!((d.estimate, d.interval, d.p_value), (0.0, None, None));
        let r = cluster_robust_difference(&zeros).unwrap();
        assert_eq!((r.interval, r.design_effect), (None, None));
        assert!(paired_difference(&zeros[..1]).is_none());
    }

    #[test]
    fn bootstrap_is_deterministic_per_seed_and_agrees_with_the_sandwich() {
        let a = cluster_bootstrap(&table(), 4000, DEFAULT_SEED).unwrap();
        let b = cluster_bootstrap(&table(), 4000, DEFAULT_SEED).unwrap();
        assert_eq!(a, b);
        let c = cluster_bootstrap(&table(), 4000, DEFAULT_SEED + 1).unwrap();
        assert_ne!(a.interval, c.interval);
        let r = cluster_robust_difference(&table()).unwrap();
        assert!(
            a.interval.lo < r.estimate && r.estimate < a.interval.hi,
            "{a:?}"
        );
        // The bootstrap SE of resampled clusters is close to the CR0 error (0.1157 here,
        // from statsmodels above); CR1's small-sample factor makes it larger.
        assert!((a.se - 0.1157).abs() < 0.02, "{a:?}");
        assert!(cluster_bootstrap(&table()[..1], 100, 1).is_none());
    }

    #[test]
    fn splitmix_matches_its_published_first_outputs() {
        // The first outputs for seed 1234567 of Vigna's reference splitmix64.c (the generator
        // is specified exactly, so any correct implementation must give these).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            assert!(rng.below(5) < 5);
        }
    }
}
