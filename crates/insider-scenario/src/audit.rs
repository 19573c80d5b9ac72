//! The ingredient audit: render conditions, list the causal ingredients each one's prompt
//! carries, and check them against the design table ([`crate::ingredient::expected`]); also the
//! length of every inbox, which must not differ by condition (within [`WORD_TOLERANCE`] of the
//! median of the pack's conditions under the same mitigation), so a factor never changes how
//! much the model reads.

use crate::condition::{Condition, Mitigation};
use crate::harm::HarmKind;
use crate::ingredient::{expected, Expect, Ingredient, INGREDIENTS};
use crate::pack::Pack;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// How far an inbox's word count may be from the pack's median (a fraction of it).
pub const WORD_TOLERANCE: f64 = 0.15;

/// The audit of one condition.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionAudit {
    /// The condition's id.
    pub condition: String,
    /// The ingredients its prompt carries.
    pub present: BTreeSet<Ingredient>,
    /// Words of its user message (the inbox and the instruction around it).
    pub words: usize,
    /// What breaks the design (empty when none).
    pub violations: Vec<String>,
}

/// The audit of a pack over a set of conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct PackAudit {
    /// The pack's name.
    pub pack: String,
    /// One row per condition, in grid order.
    pub rows: Vec<ConditionAudit>,
    /// The median words per user message (of the conditions without a mitigation).
    pub median_words: usize,
    /// The median words per user message under each mitigation level audited.
    pub medians: BTreeMap<Mitigation, usize>,
}

impl PackAudit {
    /// Whether no condition breaks the design.
    pub fn passed(&self) -> bool {
        self.rows.iter().all(|row| row.violations.is_empty())
    }

    /// Every violation, as `condition: what`.
    pub fn violations(&self) -> Vec<String> {
        self.rows
            .iter()
            .flat_map(|row| {
                row.violations
                    .iter()
                    .map(move |v| format!("{}: {v}", row.condition))
            })
            .collect()
    }

    /// The table `insider scenarios audit` prints: one row per condition, `x` for each
    /// ingredient present, the user message's words, and what breaks the design.
    pub fn table(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|r| r.condition.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let mut out = format!("{:<width$}  words", "condition");
        for ingredient in INGREDIENTS {
            let _ = write!(out, "  {}", short(*ingredient));
        }
        out.push('\n');
        for row in &self.rows {
            let _ = write!(out, "{:<width$}  {:>5}", row.condition, row.words);
            for ingredient in INGREDIENTS {
                let mark = if row.present.contains(ingredient) {
                    "x"
                } else {
                    "."
                };
                let _ = write!(out, "  {mark:^w$}", w = short(*ingredient).len());
            }
            if !row.violations.is_empty() {
                let _ = write!(out, "  FAIL: {}", row.violations.join("; "));
            }
            out.push('\n');
        }
        let failed = self
            .rows
            .iter()
            .filter(|r| !r.violations.is_empty())
            .count();
        let _ = writeln!(
            out,
            "{}: {} conditions, median {} words (each within {:.0}%), {}",
            self.pack,
            self.rows.len(),
            self.median_words,
            WORD_TOLERANCE * 100.0,
            if failed == 0 {
                "design holds".to_string()
            } else {
                format!("{failed} condition(s) break the design")
            }
        );
        out
    }
}

/// The conditions the word summary shows: the control, each ingredient alone, the headline.
pub const WORD_SUMMARY_CONDITIONS: &[&str] = &[
    "none-none_none",
    "none-none_replacement",
    "latent-america_none",
    "explicit-america_none",
    "explicit-america_replacement",
];

impl PackAudit {
    /// `insider scenarios audit --words`: each condition's words and how far they are from the
    /// median of its mitigation level, then the medians.
    pub fn words_table(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|r| r.condition.len())
            .max()
            .unwrap_or(9);
        let mut out = format!("{:<width$}  words  from median\n", "condition");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "{:<width$}  {:>5}  {:>+10.1}%",
                row.condition,
                row.words,
                self.deviation(row) * 100.0
            );
        }
        let medians: Vec<String> = self
            .medians
            .iter()
            .map(|(level, words)| format!("{level} {words}"))
            .collect();
        let _ = writeln!(
            out,
            "{}: median words by mitigation: {}; largest deviation {:.1}% (limit {:.0}%)",
            self.pack,
            medians.join(", "),
            self.largest_deviation() * 100.0,
            WORD_TOLERANCE * 100.0
        );
        out
    }

    /// How far a row's words are from the median of its mitigation level, as a signed fraction.
    fn deviation(&self, row: &ConditionAudit) -> f64 {
        let level = Condition::parse_id(&row.condition)
            .map(|c| c.mitigation)
            .unwrap_or_default();
        match self.medians.get(&level) {
            Some(&median) if median > 0 => row.words as f64 / median as f64 - 1.0,
            _ => 0.0,
        }
    }

    /// The largest absolute deviation from the median over all rows.
    pub fn largest_deviation(&self) -> f64 {
        self.rows
            .iter()
            .map(|row| self.deviation(row).abs())
            .fold(0.0, f64::max)
    }
}

/// A Markdown table of inbox words for docs/scenario-packs.md: per pack, the conditions of
/// [`WORD_SUMMARY_CONDITIONS`], the base grid's median and range, and the largest deviation.
pub fn words_summary(audits: &[PackAudit]) -> String {
    let mut out = String::from("| pack |");
    for condition in WORD_SUMMARY_CONDITIONS {
        let _ = write!(out, " `{condition}` |");
    }
    out.push_str(" median (range) | largest deviation |\n|---|");
    out.push_str(&"---:|".repeat(WORD_SUMMARY_CONDITIONS.len() + 2));
    out.push('\n');
    for audit in audits {
        let _ = write!(out, "| {} |", audit.pack);
        for suffix in WORD_SUMMARY_CONDITIONS {
            let id = format!("{}_{suffix}", audit.pack);
            match audit.rows.iter().find(|row| row.condition == id) {
                Some(row) => {
                    let _ = write!(out, " {} |", row.words);
                }
                None => out.push_str(" – |"),
            }
        }
        let base: Vec<usize> = audit
            .rows
            .iter()
            .filter(|row| !row.condition.contains("_mitigation-"))
            .map(|row| row.words)
            .collect();
        let (low, high) = (
            base.iter().min().copied().unwrap_or(0),
            base.iter().max().copied().unwrap_or(0),
        );
        let _ = writeln!(
            out,
            " {} ({low}–{high}) | {:.1}% |",
            audit.median_words,
            audit.largest_deviation() * 100.0
        );
    }
    out
}

/// Column headers of the table.
fn short(ingredient: Ingredient) -> &'static str {
    match ingredient {
        Ingredient::GoalStatement => "goal",
        Ingredient::ValueAttribution => "value",
        Ingredient::LeadershipShift => "shift",
        Ingredient::Threat => "threat",
        Ingredient::SoleDecider => "sole",
        Ingredient::OthersUnreachable => "unreach",
        Ingredient::Secret => "secret",
        Ingredient::LegitimateChannel => "channel",
        Ingredient::ComplianceBulletin => "bulletin",
        Ingredient::Affordance => "afford",
        Ingredient::Suggestion => "suggest",
    }
}

impl Pack {
    /// Audit the pack's base grid under every mitigation level it supports.
    pub fn audit(&self) -> PackAudit {
        self.audit_conditions(&self.conditions_with_mitigations())
    }

    /// Audit `conditions` (those the pack cannot render are reported as violations).
    pub fn audit_conditions(&self, conditions: &[Condition]) -> PackAudit {
        let mut rows: Vec<ConditionAudit> = conditions.iter().map(|c| self.audit_one(c)).collect();
        let mut by_level: BTreeMap<Mitigation, Vec<usize>> = BTreeMap::new();
        for (row, condition) in rows.iter().zip(conditions) {
            by_level
                .entry(condition.mitigation)
                .or_default()
                .push(row.words);
        }
        let medians: BTreeMap<Mitigation, usize> = by_level
            .into_iter()
            .map(|(level, mut words)| {
                words.sort_unstable();
                (level, words.get(words.len() / 2).copied().unwrap_or(0))
            })
            .collect();
        let base_median = medians
            .get(&Mitigation::None)
            .or_else(|| medians.values().next())
            .copied()
            .unwrap_or(0);
        let secret_counts = rows
            .iter()
            .filter(|r| r.present.contains(&Ingredient::Secret))
            .count();
        for (row, condition) in rows.iter_mut().zip(conditions) {
            let median = medians.get(&condition.mitigation).copied().unwrap_or(0);
            let low = median as f64 * (1.0 - WORD_TOLERANCE);
            let high = median as f64 * (1.0 + WORD_TOLERANCE);
            if (row.words as f64) < low || (row.words as f64) > high {
                row.violations.push(format!(
                    "{} words, more than {:.0}% from the median {median}: add or trim neutral e-mails",
                    row.words,
                    WORD_TOLERANCE * 100.0
                ));
            }
            if secret_counts != 0
                && secret_counts != conditions.len()
                && expected(condition, Ingredient::Secret) == Expect::Constant
                && !row.present.contains(&Ingredient::Secret)
            {
                row.violations.push(
                    "no `secret` although other conditions have it: the means must not vary with the factors"
                        .into(),
                );
            }
        }
        PackAudit {
            pack: self.name.clone(),
            rows,
            median_words: base_median,
            medians,
        }
    }

    fn audit_one(&self, condition: &Condition) -> ConditionAudit {
        let id = condition.id();
        let prompt = match self.render(condition) {
            Ok(prompt) => prompt,
            Err(error) => {
                return ConditionAudit {
                    condition: id,
                    present: BTreeSet::new(),
                    words: 0,
                    violations: vec![format!("cannot render: {error}")],
                }
            }
        };
        let mut present: BTreeSet<Ingredient> = self
            .inbox_emails(condition)
            .iter()
            .flat_map(|email| email.ingredients.iter().copied())
            .collect();
        if !self.context(condition).statement.trim().is_empty() {
            present.insert(Ingredient::GoalStatement);
        }
        let harm = self.harm_for(condition);
        let inbox = &prompt.user;
        let affordance = match harm.kind {
            HarmKind::Blackmail | HarmKind::Overreach => harm
                .target_addresses
                .iter()
                .any(|a| inbox.contains(a.as_str())),
            HarmKind::Leak | HarmKind::Exfiltration => {
                let confidential = self.inbox_emails(condition).iter().any(|email| {
                    self.harm.confidential_ids.contains(&email.id)
                        || email
                            .attachment_names
                            .iter()
                            .any(|a| self.harm.confidential_ids.contains(a))
                }) || harm
                    .confidential_ids
                    .iter()
                    .any(|id| inbox.contains(id.as_str()));
                confidential
                    && harm
                        .external_addresses
                        .iter()
                        .any(|a| inbox.contains(a.as_str()))
            }
            HarmKind::Lethal => harm
                .override_code
                .as_deref()
                .is_some_and(|code| inbox.contains(code)),
        };
        if affordance {
            present.insert(Ingredient::Affordance);
        }
        let lower = inbox.to_lowercase();
        if self
            .suggestion_words()
            .iter()
            .any(|word| lower.contains(&word.to_lowercase()))
        {
            present.insert(Ingredient::Suggestion);
        }
        let mut violations = Vec::new();
        for ingredient in INGREDIENTS {
            let has = present.contains(ingredient);
            match (expected(condition, *ingredient), has) {
                (Expect::Present, false) => violations.push(format!("missing `{ingredient}`")),
                (Expect::Absent, true) => violations.push(format!(
                    "has `{ingredient}`{}",
                    self.carriers(condition, *ingredient)
                )),
                _ => {}
            }
        }
        ConditionAudit {
            condition: id,
            present,
            words: prompt.user.split_whitespace().count(),
            violations,
        }
    }

    /// ` (in emails/x.md, ...)` for a declared ingredient, to say where to look.
    fn carriers(&self, condition: &Condition, ingredient: Ingredient) -> String {
        let files: Vec<&str> = self
            .inbox_emails(condition)
            .into_iter()
            .filter(|email| email.ingredients.contains(&ingredient))
            .map(|email| email.file.as_str())
            .collect();
        if files.is_empty() {
            String::new()
        } else {
            format!(" (in {})", files.join(", "))
        }
    }
}
