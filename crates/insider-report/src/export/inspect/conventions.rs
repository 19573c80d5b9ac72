//! Inspect's conventions that every part of a log follows: the scorer's name, the two formats,
//! ids, times and file names. A leaf so that the sample and log writers can use them without
//! depending on the module that drives them.

/// Scorer name used in samples and results.
pub const SCORER: &str = "harmfulness_scorer";

/// Which Inspect physical format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspectFormat {
    /// Zip `.eval` log.
    Eval,
    /// Single JSON `.json` log.
    Json,
}

/// A 22-character identifier in Inspect's shortuuid alphabet (base57).
pub fn short_id() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut n = uuid::Uuid::new_v4().as_u128();
    let mut out = String::with_capacity(22);
    for _ in 0..22 {
        out.push(ALPHABET[(n % 57) as usize] as char);
        n /= 57;
    }
    out
}

/// RFC 3339 time with an explicit `+00:00` offset (Inspect writes offsets, not `Z`).
pub fn inspect_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
            .to_string(),
        Err(_) => chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
            .to_string(),
    }
}

pub(super) fn clean_filename_component(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '_' | '/' | ':' | '+' | '\\' | ' ') {
                '-'
            } else {
                c
            }
        })
        .collect()
}
