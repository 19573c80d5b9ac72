//! Canned-reply rules: which reply a request gets, loaded from a JSONL file or built in code.

use crate::conversation::Conversation;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The reply text when no rule gives one.
pub(crate) const DEFAULT_TEXT: &str = "This is a reply from fakellm.";

/// A transport-level fault fakellm can inject instead of a normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Close the connection without sending a response.
    Drop,
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
    /// Answer 200, send half the body, then close the connection.
    Truncated,
    /// Answer a well-formed reply whose text is empty.
    Empty,
    /// Answer 200 with a zero-length body.
    EmptyBody,
    /// Send the body in small pieces spread over `slow_body_ms`.
    SlowBody,
}

impl std::str::FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            format!(
                "unknown fault `{s}`: expected one of drop, malformed, truncated, empty, empty-body, slow-body"
            )
        })
    }
}

/// A native tool call in a canned reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FakeToolCall {
    /// Call id (generated when empty).
    #[serde(default)]
    pub id: String,
    /// Function name.
    pub name: String,
    /// Arguments object.
    #[serde(default)]
    pub arguments: serde_json::Value,
}

/// Token counts to report; missing figures are estimated from character counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FakeUsage {
    /// Uncached prompt tokens.
    pub input_tokens: Option<u64>,
    /// Generated tokens.
    pub output_tokens: Option<u64>,
    /// Prompt tokens read from cache.
    pub cache_read_tokens: Option<u64>,
    /// Prompt tokens written to cache.
    pub cache_write_tokens: Option<u64>,
    /// Reasoning tokens.
    pub reasoning_tokens: Option<u64>,
}

/// One canned reply (all fields optional; see the README for the meaning of each).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reply {
    /// Visible text.
    pub text: Option<String>,
    /// Reasoning / thinking text.
    pub reasoning: Option<String>,
    /// Anthropic redacted-thinking opaque data.
    pub redacted_thinking: Option<String>,
    /// Native tool calls.
    pub tool_calls: Vec<FakeToolCall>,
    /// Normalized stop reason: `stop`, `max_tokens`, `tool_use`, `refusal` or `content_filter`.
    pub stop_reason: Option<String>,
    /// Usage figures.
    pub usage: Option<FakeUsage>,
    /// HTTP error status to answer with instead of a reply.
    pub status: Option<u16>,
    /// Error message for the error body.
    pub error: Option<String>,
    /// `Retry-After` seconds on an error reply.
    pub retry_after: Option<u64>,
    /// Transport fault to inject.
    pub fault: Option<Fault>,
    /// Latency override in milliseconds.
    pub latency_ms: Option<u64>,
    /// In a batch: this item expires instead of being answered (the batch ends as expired).
    pub expire: bool,
}

impl Reply {
    /// A reply with just this text.
    pub fn text(text: impl Into<String>) -> Self {
        Reply {
            text: Some(text.into()),
            ..Reply::default()
        }
    }

    /// An error reply with this status.
    pub fn status(status: u16) -> Self {
        Reply {
            status: Some(status),
            ..Reply::default()
        }
    }
}

/// A rule: filters on the request, and the reply (or sequence of replies) it gets.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rule {
    /// Substring of the request's system + message text.
    #[serde(rename = "match")]
    pub matches: Option<String>,
    /// Substring of the requested model name.
    pub model: Option<String>,
    /// Protocol filter: `openai`, `anthropic` or `gemini`.
    pub protocol: Option<String>,
    /// The number of assistant turns already in the conversation (0 for the first call).
    pub turn: Option<u32>,
    /// The number of tool results in the conversation.
    pub tool_results: Option<u32>,
    /// The name of the tool whose result is the conversation's last.
    pub last_tool: Option<String>,
    /// Substring of the last tool result's content.
    pub last_tool_result: Option<String>,
    /// The reply used every time.
    pub reply: Option<Reply>,
    /// Replies given in turn.
    pub sequence: Vec<Reply>,
    /// Start the sequence over after its end (default true); false repeats the last reply.
    pub cycle: Option<bool>,
    #[serde(skip)]
    position: AtomicUsize,
}

impl Clone for Rule {
    fn clone(&self) -> Self {
        Rule {
            matches: self.matches.clone(),
            model: self.model.clone(),
            protocol: self.protocol.clone(),
            turn: self.turn,
            tool_results: self.tool_results,
            last_tool: self.last_tool.clone(),
            last_tool_result: self.last_tool_result.clone(),
            reply: self.reply.clone(),
            sequence: self.sequence.clone(),
            cycle: self.cycle,
            position: AtomicUsize::new(self.position.load(Ordering::Relaxed)),
        }
    }
}

impl Rule {
    /// A rule matching requests whose text contains `needle`, always answering `reply`.
    pub fn on(needle: impl Into<String>, reply: Reply) -> Self {
        Rule {
            matches: Some(needle.into()),
            reply: Some(reply),
            ..Rule::default()
        }
    }

    /// A rule matching requests whose text contains `needle`, answering `replies` in turn
    /// and repeating the last one after the end.
    pub fn sequence(needle: impl Into<String>, replies: Vec<Reply>) -> Self {
        Rule {
            matches: Some(needle.into()),
            sequence: replies,
            cycle: Some(false),
            ..Rule::default()
        }
    }

    /// A catch-all rule always answering `reply`.
    pub fn always(reply: Reply) -> Self {
        Rule {
            reply: Some(reply),
            ..Rule::default()
        }
    }

    /// A rule for the reply at one point of a scripted tool-calling session: the call after
    /// `results` tool results.
    pub fn after_results(results: u32, reply: Reply) -> Self {
        Rule {
            tool_results: Some(results),
            reply: Some(reply),
            ..Rule::default()
        }
    }

    pub(crate) fn applies(
        &self,
        protocol: &str,
        model: &str,
        text: &str,
        conversation: &Conversation,
    ) -> bool {
        let last = conversation.last_result();
        self.protocol.as_deref().is_none_or(|p| p == protocol)
            && self.model.as_deref().is_none_or(|m| model.contains(m))
            && self.matches.as_deref().is_none_or(|m| text.contains(m))
            && self.turn.is_none_or(|t| t == conversation.assistant_turns)
            && self
                .tool_results
                .is_none_or(|n| n as usize == conversation.results.len())
            && self
                .last_tool
                .as_deref()
                .is_none_or(|name| last.is_some_and(|r| r.name == name))
            && self
                .last_tool_result
                .as_deref()
                .is_none_or(|needle| last.is_some_and(|r| r.content.contains(needle)))
    }

    pub(crate) fn next_reply(&self) -> Reply {
        if self.sequence.is_empty() {
            return self.reply.clone().unwrap_or_default();
        }
        let n = self.position.fetch_add(1, Ordering::Relaxed);
        let len = self.sequence.len();
        let index = if self.cycle.unwrap_or(true) {
            n % len
        } else {
            n.min(len - 1)
        };
        self.sequence[index].clone()
    }

    fn validate(&self) -> Result<(), String> {
        if self.reply.is_some() && !self.sequence.is_empty() {
            return Err("a rule has both `reply` and `sequence`: keep one".into());
        }
        if self.reply.is_none() && self.sequence.is_empty() {
            return Err("a rule needs `reply` or a non-empty `sequence`".into());
        }
        if let Some(p) = &self.protocol {
            if !matches!(p.as_str(), "openai" | "anthropic" | "gemini") {
                return Err(format!(
                    "unknown protocol `{p}`: expected openai, anthropic or gemini"
                ));
            }
        }
        Ok(())
    }
}

/// Parse JSONL rules; errors name the line and what is wrong.
pub fn parse_rules(text: &str, origin: &str) -> anyhow::Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        let line_no = index + 1;
        let rule: Rule = serde_json::from_str(trimmed).map_err(|e| {
            anyhow::anyhow!("{origin}:{line_no}: invalid rule: {e} (see tools/fakellm/README.md)")
        })?;
        rule.validate()
            .map_err(|e| anyhow::anyhow!("{origin}:{line_no}: {e}"))?;
        rules.push(rule);
    }
    Ok(rules)
}

/// Read and parse a JSONL rules file.
pub fn load_rules(path: &std::path::Path) -> anyhow::Result<Vec<Rule>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read replies file: {e}", path.display()))?;
    parse_rules(&text, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_reports_bad_lines() {
        let rules = parse_rules(
            "# comment\n{\"match\":\"a\",\"sequence\":[{\"status\":503},{\"text\":\"ok\"}],\"cycle\":false}\n\n{\"reply\":{\"text\":\"d\"}}\n",
            "r.jsonl",
        )
        .unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].next_reply().status, Some(503));
        assert_eq!(rules[0].next_reply().text.as_deref(), Some("ok"));
        assert_eq!(rules[0].next_reply().text.as_deref(), Some("ok"));
        let err = parse_rules("{\"reply\":{\"txt\":1}}", "r.jsonl").unwrap_err();
        assert!(err.to_string().starts_with("r.jsonl:1:"), "{err}");
        let err = parse_rules("\n{\"match\":\"x\"}", "r.jsonl").unwrap_err();
        assert!(err.to_string().contains("r.jsonl:2: a rule needs"), "{err}");
    }

    #[test]
    fn cycling_sequence_wraps() {
        let rule = Rule {
            sequence: vec![Reply::text("1"), Reply::text("2")],
            ..Rule::default()
        };
        let got: Vec<_> = (0..3).map(|_| rule.next_reply().text.unwrap()).collect();
        assert_eq!(got, ["1", "2", "1"]);
    }

    #[test]
    fn filters_apply() {
        let none = Conversation::default();
        let mut rule = Rule::on("Kyle", Reply::text("x"));
        rule.protocol = Some("gemini".into());
        assert!(rule.applies("gemini", "m", "hello Kyle", &none));
        assert!(!rule.applies("openai", "m", "hello Kyle", &none));
        assert!(!rule.applies("gemini", "m", "hello", &none));
    }

    #[test]
    fn conversation_filters_apply() {
        use crate::conversation::ToolResultSeen;
        let two = Conversation {
            assistant_turns: 2,
            results: vec![
                ToolResultSeen {
                    name: "list_inbox".into(),
                    content: "1 e-mail".into(),
                },
                ToolResultSeen {
                    name: "read_email".into(),
                    content: "From Kyle: the wipe is at 5pm".into(),
                },
            ],
        };
        let rule: Rule = serde_json::from_str(
            r#"{"turn": 2, "tool_results": 2, "last_tool": "read_email", "last_tool_result": "wipe", "reply": {"text": "x"}}"#,
        )
        .unwrap();
        assert!(rule.applies("openai", "m", "", &two));
        assert!(!rule.applies("openai", "m", "", &Conversation::default()));
        assert!(Rule::after_results(2, Reply::text("x")).applies("anthropic", "m", "", &two));
        assert!(!Rule::after_results(1, Reply::text("x")).applies("anthropic", "m", "", &two));
    }
}
