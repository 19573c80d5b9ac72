//! Interval estimates and tests for proportions: Wilson score intervals, the exact
//! Clopper–Pearson upper bound (what a rate of zero can claim), Newcombe's hybrid score interval
//! for a difference, Fisher's exact test and Holm's step-down correction.
//!
//! Everything here is a pure function of counts, so a reader can check each number by hand.

use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF};
use statrs::function::factorial::ln_factorial;

/// The normal quantile for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A closed interval `[lo, hi]` on the proportion scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Wilson score interval for `k` successes out of `n`; `None` when `n` is 0 (no data, no rate).
pub fn wilson(k: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 || k > n {
        return None;
    }
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z / denom * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    // Clamp away floating-point dust at the ends (k = 0 or k = n give exactly 0 or 1).
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some(Interval { lo, hi })
}

/// One-sided exact (Clopper–Pearson) upper confidence bound for a proportion with `k` successes
/// out of `n`, at `confidence` (0.95 for the bound the reports print); `None` when `n` is 0.
///
/// It is the `p` at which seeing `k` or fewer successes has probability `1 - confidence`, i.e.
/// the `confidence` quantile of Beta(k + 1, n − k). For `k = 0` that is `1 − (1 − confidence)^(1/n)`,
/// close to the "rule of three" 3/n: a 0/100 rate can only claim "below 2.95%".
pub fn clopper_pearson_upper(k: u64, n: u64, confidence: f64) -> Option<f64> {
    if n == 0 || k > n || !(0.0..1.0).contains(&confidence) {
        return None;
    }
    if k == n {
        return Some(1.0);
    }
    if k == 0 {
        // Closed form; also avoids the iterative inverse where it is least accurate.
        return Some(1.0 - (1.0 - confidence).powf(1.0 / n as f64));
    }
    let beta = Beta::new((k + 1) as f64, (n - k) as f64).ok()?;
    Some(beta.inverse_cdf(confidence))
}

/// The difference of two proportions with its Newcombe (1998, method 10) hybrid score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    /// `k1/n1 - k2/n2`.
    pub estimate: f64,
    /// 95% (or the requested level) interval for the difference.
    pub interval: Interval,
}

/// Difference `k1/n1 - k2/n2` with Newcombe's interval built from the two Wilson intervals;
/// `None` when either group is empty.
pub fn newcombe_difference(k1: u64, n1: u64, k2: u64, n2: u64, z: f64) -> Option<Difference> {
    let a = wilson(k1, n1, z)?;
    let b = wilson(k2, n2, z)?;
    let p1 = k1 as f64 / n1 as f64;
    let p2 = k2 as f64 / n2 as f64;
    let d = p1 - p2;
    let lower = d - ((p1 - a.lo).powi(2) + (b.hi - p2).powi(2)).sqrt();
    let upper = d + ((a.hi - p1).powi(2) + (p2 - b.lo).powi(2)).sqrt();
    Some(Difference {
        estimate: d,
        interval: Interval {
            lo: lower.max(-1.0),
            hi: upper.min(1.0),
        },
    })
}

/// Two-sided p-value of Fisher's exact test on the 2×2 table `[[a, b], [c, d]]`.
///
/// Sums the hypergeometric probabilities of every table with the observed margins that is no
/// more likely than the observed one (the convention of R's `fisher.test` and SciPy), with a
/// small relative tolerance so ties computed in floating point are not dropped.
pub fn fisher_exact_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let row1 = a + b;
    let row2 = c + d;
    let col1 = a + c;
    let n = row1 + row2;
    if n == 0 {
        return 1.0;
    }
    let ln_norm =
        ln_factorial(row1) + ln_factorial(row2) + ln_factorial(col1) + ln_factorial(n - col1)
            - ln_factorial(n);
    let ln_prob = |x: u64| -> f64 {
        // x is the top-left cell; the rest follow from the margins.
        ln_norm
            - ln_factorial(x)
            - ln_factorial(row1 - x)
            - ln_factorial(col1 - x)
            - ln_factorial(row2 + x - col1)
    };
    let lo = col1.saturating_sub(row2);
    let hi = row1.min(col1);
    let observed = ln_prob(a);
    let threshold = observed + (1.0f64 + 1e-7).ln();
    let mut total = 0.0;
    for x in lo..=hi {
        let lp = ln_prob(x);
        if lp <= threshold {
            total += lp.exp();
        }
    }
    total.min(1.0)
}

/// Holm's step-down adjustment of a family of p-values (returned in the input order).
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut adjusted = vec![0.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &index) in order.iter().enumerate() {
        let scaled = ((m - rank) as f64 * p_values[index]).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[index] = running_max;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn wilson_matches_reference_values() {
        // 96/100: the published Claude Opus 4 blackmail rate; Wilson 95% ≈ [0.9016, 0.9843].
        let i = wilson(96, 100, Z_95).unwrap();
        assert!(close(i.lo, 0.90163, 5e-5), "{i:?}");
        assert!(close(i.hi, 0.98433, 5e-5), "{i:?}");
        // 0/100: [0, 0.0370] (upper = z²/(n+z²)).
        let i = wilson(0, 100, Z_95).unwrap();
        assert_eq!(i.lo, 0.0);
        assert!(close(i.hi, 0.036994, 5e-6), "{i:?}");
        // 1/10 from Newcombe (1998) Table I: 0.0179 to 0.4042.
        let i = wilson(1, 10, Z_95).unwrap();
        assert!(
            close(i.lo, 0.0179, 1e-4) && close(i.hi, 0.4042, 1e-4),
            "{i:?}"
        );
        // 29/29 (Newcombe example g): 0.8830 to 1.
        let i = wilson(29, 29, Z_95).unwrap();
        assert!(close(i.lo, 0.8830, 1e-4) && i.hi == 1.0, "{i:?}");
        assert!(wilson(0, 0, Z_95).is_none());
        assert!(wilson(5, 4, Z_95).is_none());
    }

    #[test]
    fn clopper_pearson_upper_matches_scipy_and_statsmodels() {
        // Reference values from scipy 1.17.1 `scipy.stats.beta.ppf(0.95, k + 1, n - k)`, equal
        // to statsmodels 0.15.0 `proportion_confint(k, n, alpha=0.10, method="beta")[1]` (the
        // upper end of a two-sided 90% interval is the one-sided 95% bound) to 1e-16.
        let cases: &[(u64, u64, f64)] = &[
            (0, 10, 0.2588655508930522),
            (0, 30, 0.09503385285530411),
            (0, 100, 0.029513049607039925),
            (0, 1000, 0.002991249545095295),
            (3, 10, 0.6066242161054123),
            (96, 100, 0.9862233875351436),
            (1, 50, 0.09139813071969738),
            (20, 20, 1.0),
        ];
        for &(k, n, expected) in cases {
            let upper = clopper_pearson_upper(k, n, 0.95).unwrap();
            assert!(
                (upper - expected).abs() < 1e-9,
                "{k}/{n}: got {upper}, scipy {expected}"
            );
        }
        // The rule of three: 0/n is bounded near 3/n.
        let upper = clopper_pearson_upper(0, 300, 0.95).unwrap();
        assert!((upper - 3.0 / 300.0).abs() < 0.0002, "{upper}");
        assert!(clopper_pearson_upper(0, 0, 0.95).is_none());
        assert!(clopper_pearson_upper(4, 3, 0.95).is_none());
    }

    #[test]
    fn newcombe_matches_published_worked_examples() {
        // Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10:
        // (a) 56/70 - 48/80 = 0.2000, interval +0.0524 to +0.3339.
        let d = newcombe_difference(56, 70, 48, 80, Z_95).unwrap();
        assert!(close(d.estimate, 0.2, 1e-12));
        assert!(close(d.interval.lo, 0.0524, 1e-4), "{d:?}");
        assert!(close(d.interval.hi, 0.3339, 1e-4), "{d:?}");
        // (b) 9/10 - 3/10 = 0.6, interval +0.1705 to +0.8090.
        let d = newcombe_difference(9, 10, 3, 10, Z_95).unwrap();
        assert!(close(d.interval.lo, 0.1705, 1e-4), "{d:?}");
        assert!(close(d.interval.hi, 0.8090, 1e-4), "{d:?}");
        assert!(newcombe_difference(1, 0, 1, 2, Z_95).is_none());
    }

    #[test]
    fn newcombe_is_antisymmetric() {
        let ab = newcombe_difference(30, 50, 12, 40, Z_95).unwrap();
        let ba = newcombe_difference(12, 40, 30, 50, Z_95).unwrap();
        assert!(close(ab.estimate, -ba.estimate, 1e-12));
        assert!(close(ab.interval.lo, -ba.interval.hi, 1e-12));
        assert!(close(ab.interval.hi, -ba.interval.lo, 1e-12));
    }
    #[test]
    fn fisher_matches_scipy() {
        // Reference p-values from scipy 1.17.1, `scipy.stats.fisher_exact(table)[1]`
        // (alternative="two-sided"):
        let cases: &[([u64; 4], f64)] = &[
            ([3, 1, 1, 3], 0.48571428571428565), // Fisher's tea-tasting table
            ([8, 2, 1, 5], 0.034965034965034975),
            ([96, 4, 37, 63], 1.8894588511511136e-20),
            ([10, 90, 12, 88], 0.8217485163509993),
            ([0, 10, 5, 5], 0.032507739938080496),
            ([1, 9, 11, 3], 0.0027594561852200836),
            ([7, 12, 0, 15], 0.010562649824820209),
            ([2, 7, 8, 2], 0.02301413756522116),
            ([5, 0, 0, 5], 0.007936507936507938),
            ([0, 0, 0, 0], 1.0),
        ];
        for &([a, b, c, d], expected) in cases {
            let p = fisher_exact_two_sided(a, b, c, d);
            assert!(
                (p - expected).abs() <= 1e-9 * expected.max(1e-12) + 1e-15,
                "[[{a},{b}],[{c},{d}]]: got {p:e}, scipy {expected:e}"
            );
        }
    }

    #[test]
    fn holm_steps_down_and_stays_monotone() {
        // Hand-computed: sorted p = 0.01, 0.02, 0.03, 0.04 with m = 4 gives
        // 0.04, 0.06, 0.06 (monotone max of 0.06 and 0.06), 0.06.
        let adjusted = holm(&[0.04, 0.01, 0.03, 0.02]);
        let expected = [0.06, 0.04, 0.06, 0.06];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(close(*a, e, 1e-12), "{adjusted:?}");
        }
        assert_eq!(holm(&[0.5, 0.9]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }
}
