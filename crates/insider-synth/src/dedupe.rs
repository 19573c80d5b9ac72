//! Near-duplicate removal: MinHash signatures over word shingles find candidate pairs through
//! locality-sensitive hashing (32 bands of 4 rows), and the exact Jaccard similarity of the
//! two shingle sets decides. The earlier item of a pair is kept.
//!
//! With 32 × 4 a pair at Jaccard 0.5 becomes a candidate with probability ≈ 0.87 and at 0.7
//! with ≈ 0.9995, so thresholds from 0.5 up are checked almost surely, while the exact check
//! keeps the banding from ever dropping an item on an estimate.

use crate::text::{mix, ngram_hashes, words};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

const BANDS: usize = 32;
const ROWS: usize = 4;
const HASHES: usize = BANDS * ROWS;

/// Settings of the duplicate check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupeOptions {
    /// Words per shingle.
    pub shingle: usize,
    /// Jaccard similarity at or above which the later item is dropped.
    pub threshold: f64,
}

impl Default for DedupeOptions {
    fn default() -> Self {
        DedupeOptions {
            shingle: 5,
            threshold: 0.7,
        }
    }
}

/// A dropped near-duplicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    /// Position of the dropped text.
    pub index: usize,
    /// Position of the kept text it repeats.
    pub of: usize,
    /// Jaccard similarity of their shingle sets.
    pub jaccard: f64,
}

/// The texts that nearly repeat an earlier kept text, in order.
pub fn near_duplicates(texts: &[&str], options: DedupeOptions) -> Vec<Duplicate> {
    let seeds: Vec<u64> = (0..HASHES as u64)
        .map(|k| mix(k ^ 0x5bd1_e995_7f4a_7c15))
        .collect();
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    let mut sets: Vec<HashSet<u64>> = Vec::with_capacity(texts.len());
    let mut duplicates = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let set = shingles(text, options.shingle);
        let signature = signature(&set, &seeds);
        let keys: Vec<(usize, u64)> = (0..BANDS)
            .map(|band| {
                let rows = &signature[band * ROWS..(band + 1) * ROWS];
                (band, rows.iter().fold(band as u64, |acc, v| mix(acc ^ v)))
            })
            .collect();
        let mut candidates: Vec<usize> = keys
            .iter()
            .filter_map(|key| buckets.get(key))
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let best = candidates
            .into_iter()
            .map(|j| (j, jaccard(&set, &sets[j])))
            .filter(|(_, score)| *score >= options.threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        sets.push(set);
        match best {
            Some((of, score)) => duplicates.push(Duplicate {
                index: i,
                of,
                jaccard: score,
            }),
            None => {
                for key in keys {
                    buckets.entry(key).or_default().push(i);
                }
            }
        }
    }
    duplicates
}

/// The shingle set of a text; a text shorter than one shingle is one shingle of all its words.
fn shingles(text: &str, n: usize) -> HashSet<u64> {
    let words = words(text);
    let mut set: HashSet<u64> = ngram_hashes(&words, n).into_iter().collect();
    if set.is_empty() && !words.is_empty() {
        set.extend(ngram_hashes(&words, words.len()));
    }
    set
}

fn signature(set: &HashSet<u64>, seeds: &[u64]) -> Vec<u64> {
    let mut minimums = vec![u64::MAX; seeds.len()];
    for shingle in set {
        for (slot, seed) in minimums.iter_mut().zip(seeds) {
            let value = mix(shingle ^ seed);
            if value < *slot {
                *slot = value;
            }
        }
    }
    minimums
}

/// Exact Jaccard similarity of two sets (two empty sets are identical).
pub fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let shared = small.iter().filter(|x| large.contains(x)).count();
    shared as f64 / (a.len() + b.len() - shared) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200 pseudo-random words from a 40-word vocabulary: realistic shingle diversity.
    fn story(seed: u64) -> String {
        let vocabulary: Vec<String> = (0..40).map(|i| format!("word{i}")).collect();
        (0..200u64)
            .map(|i| vocabulary[(mix(i ^ (seed << 32)) % 40) as usize].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_lightly_edited_copy_is_dropped_and_distinct_texts_are_kept() {
        let original = story(1);
        let mut edited: Vec<&str> = original.split(' ').collect();
        edited[100] = "zeppelin";
        let edited = edited.join(" ");
        let other = story(2);
        let texts = [original.as_str(), other.as_str(), edited.as_str()];
        let found = near_duplicates(&texts, DedupeOptions::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].index, found[0].of), (2, 0));
        assert!(
            found[0].jaccard > 0.9 && found[0].jaccard < 1.0,
            "{found:?}"
        );
    }

    #[test]
    fn a_copy_of_a_dropped_copy_points_at_the_kept_original() {
        let text = story(3);
        let texts = [text.as_str(), text.as_str(), text.as_str()];
        let found = near_duplicates(&texts, DedupeOptions::default());
        assert_eq!(found.iter().map(|d| d.of).collect::<Vec<_>>(), [0, 0]);
        assert!(found.iter().all(|d| d.jaccard == 1.0));
    }
}
