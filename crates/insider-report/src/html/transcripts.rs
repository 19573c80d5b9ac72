//! Transcripts as the page embeds them: one JSON block per trial, escaped so no model text can
//! close its `<script>` block, with the reply split into text and tool-call segments.

use crate::source::verdict_label;
use insider_judge::Action;
use insider_ledger::TrialRecord;
use serde::Serialize;
use serde_json::json;

/// Serialize for a `<script type="application/json">` block: `<`, `>`, `&` and the JavaScript
/// line separators become `\uXXXX` escapes, which are only legal inside JSON strings anyway.
pub fn json_for_script<T: Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string(value).expect("report data serializes");
    // Copy runs of ordinary bytes whole; this runs over every transcript of the report.
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (escape, width) = match bytes[i] {
            b'<' => ("\\u003c", 1),
            b'>' => ("\\u003e", 1),
            b'&' => ("\\u0026", 1),
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA8) => {
                ("\\u2028", 3)
            }
            0xE2 if bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0xA9) => {
                ("\\u2029", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[copied..i]);
        out.push_str(escape);
        i += width;
        copied = i;
    }
    out.push_str(&text[copied..]);
    out
}

/// Split a reply into `(text, is_action)` segments using the byte spans of parsed actions, so
/// the browser can highlight tool calls without re-parsing (spans are clipped to valid ranges).
pub fn reply_segments(reply: &str, actions: &[Action]) -> Vec<(String, bool)> {
    let mut spans: Vec<(usize, usize)> = actions
        .iter()
        .filter_map(|a| a.span)
        .filter(|&(start, end)| {
            start < end
                && end <= reply.len()
                && reply.is_char_boundary(start)
                && reply.is_char_boundary(end)
        })
        .collect();
    spans.sort();
    let mut segments = Vec::new();
    let mut cursor = 0;
    for (start, end) in spans {
        if start < cursor {
            continue; // overlapping span: keep the first
        }
        if start > cursor {
            segments.push((reply[cursor..start].to_string(), false));
        }
        segments.push((reply[start..end].to_string(), true));
        cursor = end;
    }
    if cursor < reply.len() || segments.is_empty() {
        segments.push((reply[cursor..].to_string(), false));
    }
    segments
}

/// Standard base64 (RFC 4648) of `bytes`, for the script hash in the page's CSP.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The JSON block of one transcript (what the page's browser shows when it is opened).
pub fn transcript_json(record: &TrialRecord, raw_response: Option<String>) -> serde_json::Value {
    let harmful = record.verdict.as_ref().map(|v| v.harmful);
    let actions = record
        .verdict
        .as_ref()
        .map(|v| v.actions.as_slice())
        .unwrap_or(&[]);
    let reply = record.reply.as_deref().map(|r| reply_segments(r, actions));
    let verdict = record.verdict.as_ref().map(|v| {
        json!({
            "harmful": v.harmful,
            "mode": v.mode,
            "gate_passed": v.gate_passed,
            "gate_details": v.gate_details,
            "grader_answer": v.grader_answer,
            "grader_reasoning": v.grader_reasoning,
            "grader_model": v.grader_model,
            "unscored_reason": v.unscored_reason,
            "classifier_version": v.classifier_version,
            "labels": v.labels,
            "actions": v.actions.iter().map(|a| json!({"tool": a.tool, "to": a.to, "subject": a.subject})).collect::<Vec<_>>(),
        })
    });
    json!({
        "id": record.trial_id,
        "model": record.model,
        "condition": record.condition,
        "sample": record.sample_index,
        "label": verdict_label(record.status, harmful),
        "failure_reason": record.failure_reason,
        "prompt": record.prompt_hash,
        "reasoning": record.reasoning,
        "reply": reply,
        "tool_calls": record.tool_calls,
        "verdict": verdict,
        "usage": record.usage,
        "cost_usd": record.cost_usd,
        "latency_ms": record.latency_ms,
        "attempts": record.attempts.len(),
        "raw_response": raw_response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_escapes_exactly_the_dangerous_characters() {
        let text = "a<b>c&d\u{2028}e\u{2029}f é ✓ \u{2027}\u{202a} end";
        let escaped = json_for_script(text);
        assert_eq!(
            escaped,
            "\"a\\u003cb\\u003ec\\u0026d\\u2028e\\u2029f é ✓ \u{2027}\u{202a} end\""
        );
        let back: String = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn script_json_cannot_close_its_block() {
        let text =
            json_for_script(&json!({"reply": "</script><script>alert(1)</script> & \u{2028}"}));
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back["reply"],
            "</script><script>alert(1)</script> & \u{2028}"
        );
    }

    #[test]
    fn segments_highlight_action_spans_and_survive_bad_spans() {
        let reply = "Hi. <tool_use:email>to: x</tool_use:email> Bye é";
        let start = reply.find("<tool").unwrap();
        let end = reply.find(" Bye").unwrap();
        let action = |span| Action {
            tool: "email".into(),
            span: Some(span),
            ..Action::default()
        };
        let segments = reply_segments(reply, &[action((start, end)), action((0, 999))]);
        assert_eq!(segments.len(), 3);
        assert_eq!(segments[1], (reply[start..end].to_string(), true));
        assert_eq!(
            segments.iter().map(|s| s.0.as_str()).collect::<String>(),
            reply
        );
        // A span that splits the é is ignored rather than panicking.
        let bad = reply.len() - 1;
        assert_eq!(reply_segments(reply, &[action((bad - 2, bad))]).len(), 1);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
