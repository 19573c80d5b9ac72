//! Sharded runs: `insider run --shard K/N` runs the K-th of N disjoint slices of the plan, so
//! that N machines can share one experiment; `insider merge` ([`crate::merge_runs`]) joins
//! their run directories again.
//!
//! A trial (model, condition, sample) belongs to shard `(h(model, condition) + sample) mod N`
//! (counted from 1), where `h` is the 64-bit FNV-1a hash of `model \0 condition`. So:
//!
//! - every trial is in exactly one shard, on every machine and build (the hash is fixed, not
//!   Rust's randomised one);
//! - a trial's shard depends on its own key only: more samples, models or conditions never move
//!   a trial that already ran to another shard;
//! - the samples of each model × condition are dealt round-robin, so shards differ by at most
//!   one trial per model × condition, and the hash offset spreads plans with fewer samples
//!   than shards over all of them.

use serde::{Deserialize, Serialize};

/// One slice of a plan: shard `index` of `count`, `1 <= index <= count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, counted from 1.
    pub index: u32,
    /// How many shards the plan is split into.
    pub count: u32,
}

impl Shard {
    /// Parse `K/N` (e.g. `2/8`); the error says what is wrong, for the caller to name the flag.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let Some((k, n)) = text.trim().split_once('/') else {
            return Err(format!(
                "`{text}` is not K/N: write e.g. 1/4 (shard 1 of 4)"
            ));
        };
        let number = |part: &str, what: &str| {
            part.trim().parse::<u32>().map_err(|_| {
                format!("`{text}`: {what} `{part}` is not a whole number; write e.g. 1/4")
            })
        };
        let (index, count) = (number(k, "K")?, number(n, "N")?);
        if count == 0 {
            return Err(format!("`{text}`: N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{text}`: K counts from 1 to N (the shards of {count} are 1/{count} … \
                 {count}/{count})"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether trial (`model`, `condition`, `sample`) is in this shard.
    pub fn holds(&self, model: &str, condition: &str, sample: u32) -> bool {
        shard_of(model, condition, sample, self.count) == self.index
    }

    /// The sample indices below `samples` of `model` × `condition` in this shard, ascending.
    pub fn samples(&self, model: &str, condition: &str, samples: u32) -> Vec<u32> {
        let count = u64::from(self.count);
        let offset = fnv1a(model, condition) % count;
        // (offset + s) % count == index - 1  ⇔  s ≡ index - 1 - offset (mod count)
        let first = (u64::from(self.index - 1) + count - offset) % count;
        (first..u64::from(samples))
            .step_by(self.count as usize)
            .map(|s| s as u32)
            .collect()
    }

    /// The suffix of a default run directory: `-shard-K-of-N`.
    pub fn dir_suffix(&self) -> String {
        format!("-shard-{}-of-{}", self.index, self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        Shard::parse(text)
    }
}

/// The shard (1..=`count`) trial (`model`, `condition`, `sample`) belongs to.
pub fn shard_of(model: &str, condition: &str, sample: u32, count: u32) -> u32 {
    let count = u64::from(count.max(1));
    ((fnv1a(model, condition) % count + u64::from(sample) % count) % count) as u32 + 1
}

/// 64-bit FNV-1a of `model`, a zero byte and `condition`.
fn fnv1a(model: &str, condition: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in model.bytes().chain([0]).chain(condition.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Samples of `model` × `condition` a plan of `samples` each holds: all of them, or those of
/// `shard`.
pub fn planned_samples(shard: Option<Shard>, samples: u32, model: &str, condition: &str) -> u64 {
    match shard {
        None => u64::from(samples),
        Some(shard) => shard.samples(model, condition, samples).len() as u64,
    }
}

/// Write the trials of `model` × `condition` (names; ledger ids and prompt hash in `trial`)
/// that a plan of `samples` each holds: samples `0..samples`, or those of `shard`.
pub fn plan_trials(
    ledger: &insider_ledger::Ledger,
    (shard, samples): (Option<Shard>, u32),
    (model, condition): (&str, &str),
    (model_id, condition_id, prompt_hash): (i64, i64, &str),
) -> anyhow::Result<()> {
    let Some(shard) = shard else {
        return ledger.ensure_trials(model_id, condition_id, samples, prompt_hash);
    };
    for sample in shard.samples(model, condition, samples) {
        ledger.ensure_trial(model_id, condition_id, sample, prompt_hash)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_k_of_n_and_explains_the_rest() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert_eq!(Shard::parse("1/1"), Ok(Shard { index: 1, count: 1 }));
        for (bad, says) in [
            ("0/3", "counts from 1"),
            ("4/3", "counts from 1"),
            ("1/0", "at least 1"),
            ("a/3", "not a whole number"),
            ("3", "not K/N"),
            ("-1/3", "not a whole number"),
        ] {
            let error = Shard::parse(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn every_trial_is_in_exactly_one_shard_and_shards_are_balanced() {
        let models = ["openai/gpt-4.1", "anthropic/claude-opus-4", "vllm/qwen"];
        let conditions = [
            "blackmail_explicit-america_replacement",
            "murder_none-none_none",
        ];
        for count in 1..=7u32 {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            for model in models {
                for condition in conditions {
                    let mut seen = vec![0u32; 10];
                    for shard in &shards {
                        let samples = shard.samples(model, condition, 10);
                        // Round-robin: each shard has 10/count rounded down or up.
                        assert!(samples.len() as u32 >= 10 / count);
                        assert!(samples.len() as u32 <= 10u32.div_ceil(count));
                        for s in samples {
                            assert!(shard.holds(model, condition, s));
                            seen[s as usize] += 1;
                        }
                    }
                    assert_eq!(seen, vec![1; 10], "{model} {condition} in {count} shards");
                }
            }
        }
    }

    #[test]
    fn a_trials_shard_is_fixed_by_its_key() {
        // Pinned values: a change of hash would split running studies differently.
        assert_eq!(fnv1a("", ""), 0xaf63_bd4c_8601_b7df);
        let shard = shard_of(
            "openai/gpt-4.1",
            "blackmail_explicit-america_replacement",
            0,
            3,
        );
        let again = shard_of(
            "openai/gpt-4.1",
            "blackmail_explicit-america_replacement",
            0,
            3,
        );
        assert_eq!(shard, again);
        assert_eq!(
            shard_of(
                "openai/gpt-4.1",
                "blackmail_explicit-america_replacement",
                3,
                3
            ),
            shard,
            "sample 3 comes round to the same shard of 3"
        );
        assert_eq!(Shard { index: 3, count: 5 }.dir_suffix(), "-shard-3-of-5");
    }
}
