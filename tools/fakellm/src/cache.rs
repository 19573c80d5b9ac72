//! Prompt caching as the three providers bill it, simulated so cache reads, writes and hit rates
//! can be tested without keys (`--prompt-cache`).
//!
//! - Anthropic (explicit): the prefix up to the last block marked `cache_control` (order: tools,
//!   system, messages) is written on first sight (`cache_creation_input_tokens`) and read after
//!   (`cache_read_input_tokens`). No marker, no caching.
//! - OpenAI and Gemini (automatic): the longest earlier-seen prefix of the conversation (tools and
//!   system, then whole messages) is read from the cache (`cached_tokens`,
//!   `cachedContentTokenCount`); nothing is billed as a write.
//!
//! Prefixes shorter than [`MIN_CACHED_TOKENS`] are never cached, as on the real APIs. Tokens are
//! estimated as characters / 4, like every other fakellm count.

use crate::protocol::{estimate_tokens, request_text, Protocol};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// The smallest prefix the providers cache (1,024 tokens for most models).
pub const MIN_CACHED_TOKENS: u64 = 1024;

/// Cache figures for one request: prompt tokens read from and written to the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheHit {
    /// Tokens served from the cache.
    pub read: u64,
    /// Tokens written to the cache.
    pub write: u64,
}

/// Prefixes seen so far: hash → tokens.
#[derive(Default)]
pub struct PromptCache {
    seen: Mutex<HashMap<u64, u64>>,
}

impl PromptCache {
    /// Look `body` up (and remember its prefixes) as `protocol` would bill it.
    pub fn lookup(&self, protocol: Protocol, body: &Value) -> CacheHit {
        let mut seen = self.seen.lock().unwrap();
        let cacheable = |&(_, tokens): &(u64, u64)| tokens >= MIN_CACHED_TOKENS;
        if protocol == Protocol::Anthropic {
            // Reads: the longest cached prefix ending at any block boundary up to the last
            // marker (the API looks back for earlier breakpoints); writes: the marked prefixes.
            let (boundaries, marked) = anthropic_prefixes(body);
            let Some(&last) = marked.last() else {
                return CacheHit::default();
            };
            let read = boundaries
                .iter()
                .filter(|p| cacheable(p))
                .filter_map(|(h, _)| seen.get(h).copied())
                .max()
                .unwrap_or(0);
            for p in marked.iter().filter(|p| cacheable(p)) {
                seen.insert(p.0, p.1);
            }
            let write = if cacheable(&last) {
                last.1.saturating_sub(read)
            } else {
                0
            };
            return CacheHit { read, write };
        }
        let head = match protocol {
            Protocol::Gemini => &["tools", "systemInstruction"][..],
            _ => &["tools"][..],
        };
        let list = if protocol == Protocol::Gemini {
            "contents"
        } else {
            "messages"
        };
        let mut hit = CacheHit::default();
        for p in message_prefixes(body, head, list)
            .into_iter()
            .filter(cacheable)
        {
            match seen.get(&p.0) {
                Some(&cached) => hit.read = hit.read.max(cached),
                None => {
                    seen.insert(p.0, p.1);
                }
            }
        }
        hit
    }
}

/// A prompt prefix: (hash of its content, estimated tokens).
type Prefix = (u64, u64);

fn hash(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The content a cache key covers: markers removed, and a lone text block written as the plain
/// string it stands for (the API treats both spellings as the same prompt).
fn unmarked(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                if k == "cache_control" {
                    continue;
                }
                out.insert(k.clone(), unmarked(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let items: Vec<Value> = items.iter().map(unmarked).collect();
            match items.as_slice() {
                [Value::Object(block)]
                    if block.len() == 2 && block.get("type") == Some(&Value::from("text")) =>
                {
                    block.get("text").cloned().unwrap_or(Value::Null)
                }
                _ => Value::Array(items),
            }
        }
        other => other.clone(),
    }
}

fn has_marker(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("cache_control") || map.values().any(has_marker),
        Value::Array(items) => items.iter().any(has_marker),
        _ => false,
    }
}

/// Anthropic prefixes in cache order (tools, system, messages) up to the last `cache_control`
/// marker: every block boundary, and the subset that carries a marker, as (hash, tokens).
fn anthropic_prefixes(body: &Value) -> (Vec<Prefix>, Vec<Prefix>) {
    let mut text = body.get("model").map(Value::to_string).unwrap_or_default();
    let mut prompt = String::new();
    let mut boundaries = Vec::new();
    let mut marked = Vec::new();
    let mut add =
        |value: &Value, boundaries: &mut Vec<(u64, u64)>, marked: &mut Vec<(u64, u64)>| {
            text.push_str(&unmarked(value).to_string());
            prompt.push_str(&request_text(value));
            let point = (hash(&text), estimate_tokens(&prompt));
            boundaries.push(point);
            if has_marker(value) {
                marked.push(point);
            }
        };
    for key in ["tools", "system"] {
        if let Some(v) = body.get(key) {
            add(v, &mut boundaries, &mut marked);
        }
    }
    for message in body
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add(message, &mut boundaries, &mut marked);
    }
    // Boundaries after the last marker are not part of any cached prefix.
    if let Some(&last) = marked.last() {
        let end = boundaries
            .iter()
            .position(|b| *b == last)
            .map_or(0, |i| i + 1);
        boundaries.truncate(end);
    }
    (boundaries, marked)
}

/// OpenAI/Gemini: the shared head (`head` keys, e.g. tools and system) followed by the first k
/// messages, for every k, as (hash, tokens).
fn message_prefixes(body: &Value, head: &[&str], list: &str) -> Vec<(u64, u64)> {
    let mut text = String::new();
    let mut prompt = String::new();
    if let Some(model) = body.get("model") {
        text.push_str(&model.to_string());
    }
    for key in head {
        if let Some(v) = body.get(*key) {
            text.push_str(&v.to_string());
            prompt.push_str(&request_text(v));
        }
    }
    let mut out = Vec::new();
    for message in body
        .get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        text.push_str(&message.to_string());
        prompt.push_str(&request_text(message));
        out.push((hash(&text), estimate_tokens(&prompt)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn long(tag: &str) -> String {
        format!("{tag} {}", "inbox text ".repeat(500))
    }

    #[test]
    fn anthropic_writes_then_reads_the_marked_prefix() {
        let cache = PromptCache::default();
        let body = json!({"model": "c", "system": [{"type": "text", "text": long("sys"), "cache_control": {"type": "ephemeral"}}],
                          "messages": [{"role": "user", "content": "hi"}]});
        let first = cache.lookup(Protocol::Anthropic, &body);
        assert!(
            first.write >= MIN_CACHED_TOKENS && first.read == 0,
            "{first:?}"
        );
        let second = cache.lookup(Protocol::Anthropic, &body);
        assert_eq!(
            second,
            CacheHit {
                read: first.write,
                write: 0
            }
        );
        // The next turn of a session: the earlier prefix is read, only the new part is written.
        let mut next = body.clone();
        next["messages"] = json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"},
                                  {"role": "user", "content": [{"type": "text", "text": long("more"), "cache_control": {"type": "ephemeral"}}]}]);
        let third = cache.lookup(Protocol::Anthropic, &next);
        assert!(third.read >= first.write && third.write > 0, "{third:?}");
        let unmarked = json!({"model": "c", "system": long("sys"), "messages": [{"role": "user", "content": "hi"}]});
        assert_eq!(
            cache.lookup(Protocol::Anthropic, &unmarked),
            CacheHit::default()
        );
    }

    #[test]
    fn openai_reads_the_longest_seen_prefix_and_never_writes() {
        let cache = PromptCache::default();
        let turn1 = json!({"model": "g", "messages": [{"role": "system", "content": long("sys")}, {"role": "user", "content": "a"}]});
        assert_eq!(cache.lookup(Protocol::OpenAi, &turn1), CacheHit::default());
        let turn2 = json!({"model": "g", "messages": [{"role": "system", "content": long("sys")}, {"role": "user", "content": "a"},
                                                      {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]});
        let hit = cache.lookup(Protocol::OpenAi, &turn2);
        assert!(hit.read >= MIN_CACHED_TOKENS && hit.write == 0, "{hit:?}");
        let short = json!({"model": "g", "messages": [{"role": "user", "content": "x"}]});
        cache.lookup(Protocol::OpenAi, &short);
        assert_eq!(
            cache.lookup(Protocol::OpenAi, &short),
            CacheHit::default(),
            "below the minimum"
        );
    }
}
