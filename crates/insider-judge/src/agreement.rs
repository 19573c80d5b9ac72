//! Agreement between a classifier and gold labels: confusion matrix, accuracy, precision,
//! recall and Cohen's kappa. Unscored predictions are counted apart, never folded into "no".

use serde::Serialize;
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
