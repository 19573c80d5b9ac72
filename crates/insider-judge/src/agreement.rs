//! Agreement between a classifier and gold labels: confusion matrix, accuracy, precision,
//! recall and Cohen's kappa. Unscored predictions are counted apart, never folded into "no".
//! Agreement among the graders of a panel (Fleiss' kappa, pairwise Cohen's kappa and the
//! trials they disagree on) is in [`crate::panel_agreement`].

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Counts of (gold, predicted) pairs, "harmful" being the positive class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Gold harmful, predicted harmful.
    pub true_positive: u64,
    /// Gold not harmful, predicted harmful.
    pub false_positive: u64,
    /// Gold not harmful, predicted not harmful.
    pub true_negative: u64,
    /// Gold harmful, predicted not harmful.
    pub false_negative: u64,
    /// Gold harmful, prediction unscored.
    pub unscored_positive: u64,
    /// Gold not harmful, prediction unscored.
    pub unscored_negative: u64,
}

impl Confusion {
    /// Count one pair.
    pub fn add(&mut self, gold: bool, predicted: Option<bool>) {
        match (gold, predicted) {
            (true, Some(true)) => self.true_positive += 1,
            (false, Some(true)) => self.false_positive += 1,
            (false, Some(false)) => self.true_negative += 1,
            (true, Some(false)) => self.false_negative += 1,
            (true, None) => self.unscored_positive += 1,
            (false, None) => self.unscored_negative += 1,
        }
    }

    /// Build from pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (bool, Option<bool>)>) -> Self {
        let mut confusion = Self::default();
        for (gold, predicted) in pairs {
            confusion.add(gold, predicted);
        }
        confusion
    }

    /// Scored pairs.
    pub fn scored(&self) -> u64 {
        self.true_positive + self.false_positive + self.true_negative + self.false_negative
    }

    /// Pairs whose prediction is unscored.
    pub fn unscored(&self) -> u64 {
        self.unscored_positive + self.unscored_negative
    }

    fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
        (denominator > 0).then(|| numerator as f64 / denominator as f64)
    }

    /// Share of scored pairs that agree.
    pub fn accuracy(&self) -> Option<f64> {
        Self::ratio(self.true_positive + self.true_negative, self.scored())
    }

    /// Share of predicted-harmful that are gold harmful.
    pub fn precision(&self) -> Option<f64> {
        Self::ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    /// Share of gold harmful predicted harmful.
    pub fn recall(&self) -> Option<f64> {
        Self::ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    /// Cohen's kappa over scored pairs; `None` when chance agreement is total (kappa undefined).
    pub fn kappa(&self) -> Option<f64> {
        let n = self.scored() as f64;
        if n == 0.0 {
            return None;
        }
        let observed = (self.true_positive + self.true_negative) as f64 / n;
        let predicted_yes = (self.true_positive + self.false_positive) as f64 / n;
        let gold_yes = (self.true_positive + self.false_negative) as f64 / n;
        let chance = predicted_yes * gold_yes + (1.0 - predicted_yes) * (1.0 - gold_yes);
        if (1.0 - chance).abs() < 1e-12 {
            return None;
        }
        Some((observed - chance) / (1.0 - chance))
    }
}

/// Cohen's kappa of two raters over categorical labels, one pair per item; `None` when there
/// are no items or chance agreement is total.
pub fn cohen_kappa<C: Ord + Copy>(pairs: &[(C, C)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let observed = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let mut first: BTreeMap<C, f64> = BTreeMap::new();
    let mut second: BTreeMap<C, f64> = BTreeMap::new();
    for (a, b) in pairs {
        *first.entry(*a).or_default() += 1.0;
        *second.entry(*b).or_default() += 1.0;
    }
    let chance: f64 = first
        .iter()
        .map(|(c, count)| count / n * second.get(c).copied().unwrap_or(0.0) / n)
        .sum();
    if (1.0 - chance).abs() < 1e-12 {
        return None;
    }
    Some((observed - chance) / (1.0 - chance))
}

/// Fleiss' kappa: every item rated by the same number (at least two) of raters, each rating
/// one category. `None` when the items are empty, ragged or chance agreement is total.
pub fn fleiss_kappa<C: Ord + Copy>(items: &[Vec<C>]) -> Option<f64> {
    let raters = items.first()?.len();
    if raters < 2 || items.iter().any(|r| r.len() != raters) {
        return None;
    }
    let (n, count) = (raters as f64, items.len() as f64);
    let mut totals: BTreeMap<C, f64> = BTreeMap::new();
    let mut agreement = 0.0;
    for ratings in items {
        let mut per_item: BTreeMap<C, f64> = BTreeMap::new();
        for c in ratings {
            *per_item.entry(*c).or_default() += 1.0;
            *totals.entry(*c).or_default() += 1.0;
        }
        let squares: f64 = per_item.values().map(|k| k * k).sum();
        agreement += (squares - n) / (n * (n - 1.0));
    }
    let observed = agreement / count;
    let chance: f64 = totals.values().map(|t| (t / (count * n)).powi(2)).sum();
    if (1.0 - chance).abs() < 1e-12 {
        return None;
    }
    Some((observed - chance) / (1.0 - chance))
}

fn show(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

impl fmt::Display for Confusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scored     {}", self.scored())?;
        writeln!(f, "unscored   {}", self.unscored())?;
        writeln!(f, "accuracy   {}", show(self.accuracy()))?;
        writeln!(f, "precision  {}", show(self.precision()))?;
        writeln!(f, "recall     {}", show(self.recall()))?;
        writeln!(f, "kappa      {}", show(self.kappa()))?;
        writeln!(f)?;
        writeln!(
            f,
            "                  predicted harmful  predicted not  unscored"
        )?;
        writeln!(
            f,
            "gold harmful      {:>17}  {:>13}  {:>8}",
            self.true_positive, self.false_negative, self.unscored_positive
        )?;
        write!(
            f,
            "gold not harmful  {:>17}  {:>13}  {:>8}",
            self.false_positive, self.true_negative, self.unscored_negative
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn textbook_kappa() {
        // 20 yes/yes, 5 gold-no/pred-yes, 10 gold-yes/pred-no, 15 no/no: po 0.7, pe 0.5, kappa 0.4.
        let c = Confusion {
            true_positive: 20,
            false_positive: 5,
            false_negative: 10,
            true_negative: 15,
            ..Confusion::default()
        };
        assert!(close(c.accuracy(), 0.7));
        assert!(close(c.precision(), 0.8));
        assert!(close(c.recall(), 20.0 / 30.0));
        assert!(close(c.kappa(), 0.4));
    }

    #[test]
    fn fleiss_kappa_matches_statsmodels() {
        // Fleiss (1971)'s 10 subjects x 14 raters x 5 categories, as counts per category;
        // statsmodels.stats.inter_rater.fleiss_kappa gives 0.20993070442195522.
        let counts = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let items: Vec<Vec<usize>> = counts
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .flat_map(|(category, k)| std::iter::repeat_n(category, *k))
                    .collect()
            })
            .collect();
        assert!(close(fleiss_kappa(&items), 0.20993070442195522));
        assert_eq!(fleiss_kappa(&[vec![1, 1], vec![1]]), None, "ragged");
        assert_eq!(
            fleiss_kappa(&[vec![1, 1], vec![1, 1]]),
            None,
            "one category only"
        );
    }

    #[test]
    fn cohen_kappa_matches_sklearn() {
        // sklearn.metrics.cohen_kappa_score(list("yyynnnyy"), list("yynnnyyn")) = 0.25
        let pairs: Vec<(char, char)> = "yyynnnyy".chars().zip("yynnnyyn".chars()).collect();
        assert!(close(cohen_kappa(&pairs), 0.25));
        // Three categories: cohen_kappa_score(list("yyynnnyc"), list("yynnnyyc")) = 0.5789473684210527
        let pairs: Vec<(char, char)> = "yyynnnyc".chars().zip("yynnnyyc".chars()).collect();
        assert!(close(cohen_kappa(&pairs), 0.5789473684210527));
        assert_eq!(cohen_kappa::<char>(&[]), None);
    }

    #[test]
    fn perfect_and_inverse_agreement() {
        let perfect = Confusion::from_pairs([(true, Some(true)), (false, Some(false))]);
        assert!(close(perfect.kappa(), 1.0));
        let inverse = Confusion::from_pairs([(true, Some(false)), (false, Some(true))]);
        assert!(close(inverse.kappa(), -1.0));
        assert!(close(inverse.accuracy(), 0.0));
    }

    #[test]
    fn unscored_kept_apart_and_undefined_metrics() {
        let c = Confusion::from_pairs([(true, None), (false, None), (false, Some(false))]);
        assert_eq!(c.unscored(), 2);
        assert_eq!(c.scored(), 1);
        assert_eq!(c.precision(), None);
        assert_eq!(c.recall(), None);
        assert_eq!(c.kappa(), None, "all negative: chance agreement is total");
        let text = c.to_string();
        assert!(text.contains("precision  n/a"));
        assert!(text.contains("unscored   2"));
    }
}
