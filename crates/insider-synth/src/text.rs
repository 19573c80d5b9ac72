//! Words and word n-grams, as the duplicate and contamination checks see text.
//!
//! A word is a run of letters and digits, lower-cased; everything else (punctuation, markup,
//! white space) separates words, so re-wrapping or re-punctuating a copied passage does not
//! hide it. N-grams are hashed to 64 bits with a fixed function (FNV-1a, then a mixer), so
//! figures are the same on every platform and build.

/// The words of `text`, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How many words `text` has.
pub fn word_count(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
}

/// 64-bit hash of one word.
pub fn word_hash(word: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in word.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(hash)
}

/// A strong 64-bit mixer (the splitmix64 finaliser).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hashes of every `n`-word window of `words`, in order (none when there are fewer words).
pub fn ngram_hashes(words: &[String], n: usize) -> Vec<u64> {
    if n == 0 || words.len() < n {
        return Vec::new();
    }
    let hashes: Vec<u64> = words.iter().map(|w| word_hash(w)).collect();
    hashes
        .windows(n)
        .map(|window| {
            window.iter().fold(0x243f_6a88_85a3_08d3u64, |acc, h| {
                mix(acc.rotate_left(17) ^ h)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_ignore_case_and_punctuation() {
        assert_eq!(
            words("Hello, WORLD -- it's 5pm."),
            ["hello", "world", "it", "s", "5pm"]
        );
        assert_eq!(word_count("one two, three"), 3);
    }

    #[test]
    fn ngrams_depend_on_order_and_not_on_formatting() {
        let a = ngram_hashes(&words("the quick brown fox"), 3);
        let b = ngram_hashes(&words("The  quick\nbrown, fox!"), 3);
        let c = ngram_hashes(&words("brown quick the fox"), 3);
        assert_eq!(a.len(), 2);
        assert_eq!(a, b);
        assert_ne!(a[0], c[0]);
        assert!(ngram_hashes(&words("too short"), 3).is_empty());
    }
}
