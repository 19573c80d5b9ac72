//! Canonical stop reasons: every adapter and the local engine write one of these into
//! [`ChatResponse::stop_reason`](crate::ChatResponse::stop_reason), whatever the provider called it.
//!
//! Downstream code (the judge's truncated/refused handling, reports) matches on these exact
//! strings, so a provider's spelling never leaks past this crate. A provider value with no
//! canonical meaning is kept, lower-cased (e.g. Anthropic `pause_turn`, Gemini
//! `malformed_function_call`), so nothing is silently renamed into something it is not.

/// Natural end of the turn, including a stop sequence.
pub const STOP: &str = "stop";
/// Cut at the output-token limit (OpenAI `length`, Anthropic `max_tokens`, Gemini `MAX_TOKENS`,
/// the local engine's length stop): the reply may be incomplete.
pub const MAX_TOKENS: &str = "max_tokens";
/// The model ended its turn to call tools (OpenAI `tool_calls`/`function_call`, Anthropic
/// `tool_use`, a Gemini reply with function calls).
pub const TOOL_USE: &str = "tool_use";
/// The model refused (Anthropic `refusal`, an OpenAI `message.refusal`).
pub const REFUSAL: &str = "refusal";
/// A provider safety filter blocked or cut the reply (OpenAI `content_filter`, Gemini `SAFETY`,
/// `RECITATION`, `PROHIBITED_CONTENT`, `BLOCKLIST`, `SPII`, `IMAGE_SAFETY`, a blocked prompt).
pub const CONTENT_FILTER: &str = "content_filter";

/// Whether `reason` says the reply is incomplete because of a length limit.
pub fn is_truncated(reason: Option<&str>) -> bool {
    reason == Some(MAX_TOKENS)
}

/// Whether `reason` says the provider or the model declined to answer.
pub fn is_refused(reason: Option<&str>) -> bool {
    matches!(reason, Some(REFUSAL) | Some(CONTENT_FILTER))
}

/// OpenAI Chat Completions `finish_reason` (and OpenAI-compatible servers' variants).
pub fn from_openai(raw: &str, has_tool_calls: bool, refused: bool) -> String {
    if refused {
        return REFUSAL.to_string();
    }
    let lower = raw.trim().to_ascii_lowercase();
    let canonical = match lower.as_str() {
        "stop" | "eos" | "end_turn" | "stop_sequence" => STOP,
        "length" | "max_tokens" | "model_length" => MAX_TOKENS,
        "tool_calls" | "function_call" | "tool_use" => TOOL_USE,
        "content_filter" => CONTENT_FILTER,
        "refusal" => REFUSAL,
        _ => return lower,
    };
    with_tools(canonical, has_tool_calls)
}

/// Anthropic Messages `stop_reason`.
pub fn from_anthropic(raw: &str, has_tool_calls: bool) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let canonical = match lower.as_str() {
        "end_turn" | "stop_sequence" => STOP,
        // The context window filled before max_tokens: the reply is cut all the same.
        "max_tokens" | "model_context_window_exceeded" => MAX_TOKENS,
        "tool_use" => TOOL_USE,
        "refusal" => REFUSAL,
        _ => return lower,
    };
    with_tools(canonical, has_tool_calls)
}

/// Gemini `finishReason` of a candidate.
pub fn from_gemini(raw: &str, has_tool_calls: bool) -> String {
    let upper = raw.trim().to_ascii_uppercase();
    let canonical = match upper.as_str() {
        "STOP" => STOP,
        "MAX_TOKENS" => MAX_TOKENS,
        "SAFETY" | "RECITATION" | "PROHIBITED_CONTENT" | "BLOCKLIST" | "SPII" | "IMAGE_SAFETY" => {
            CONTENT_FILTER
        }
        _ => return upper.to_ascii_lowercase(),
    };
    with_tools(canonical, has_tool_calls)
}

/// A Gemini prompt blocked before any candidate (`promptFeedback.blockReason`): whatever the
/// reason, a filter stopped the call.
pub fn from_gemini_block(_block_reason: &str) -> String {
    CONTENT_FILTER.to_string()
}

/// Gemini (and some OpenAI-compatible servers) report a natural stop on a turn that made tool
/// calls; the turn still ended to call tools.
fn with_tools(canonical: &str, has_tool_calls: bool) -> String {
    if canonical == STOP && has_tool_calls {
        TOOL_USE.to_string()
    } else {
        canonical.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_spellings() {
        assert_eq!(from_openai("stop", false, false), STOP);
        assert_eq!(from_openai("length", false, false), MAX_TOKENS);
        assert_eq!(from_openai("tool_calls", true, false), TOOL_USE);
        assert_eq!(from_openai("function_call", true, false), TOOL_USE);
        assert_eq!(from_openai("content_filter", false, false), CONTENT_FILTER);
        assert_eq!(from_openai("stop", false, true), REFUSAL);
        // vLLM / Ollama say `stop` on a tool-call turn.
        assert_eq!(from_openai("stop", true, false), TOOL_USE);
        assert_eq!(
            from_openai("Something_Else", false, false),
            "something_else"
        );
    }

    #[test]
    fn anthropic_spellings() {
        assert_eq!(from_anthropic("end_turn", false), STOP);
        assert_eq!(from_anthropic("stop_sequence", false), STOP);
        assert_eq!(from_anthropic("max_tokens", false), MAX_TOKENS);
        assert_eq!(
            from_anthropic("model_context_window_exceeded", false),
            MAX_TOKENS
        );
        assert_eq!(from_anthropic("tool_use", true), TOOL_USE);
        assert_eq!(from_anthropic("refusal", false), REFUSAL);
        assert_eq!(from_anthropic("pause_turn", false), "pause_turn");
    }

    #[test]
    fn gemini_spellings() {
        assert_eq!(from_gemini("STOP", false), STOP);
        assert_eq!(from_gemini("STOP", true), TOOL_USE);
        assert_eq!(from_gemini("MAX_TOKENS", false), MAX_TOKENS);
        for filtered in [
            "SAFETY",
            "RECITATION",
            "PROHIBITED_CONTENT",
            "BLOCKLIST",
            "SPII",
        ] {
            assert_eq!(from_gemini(filtered, false), CONTENT_FILTER, "{filtered}");
        }
        assert_eq!(
            from_gemini("MALFORMED_FUNCTION_CALL", false),
            "malformed_function_call"
        );
        assert_eq!(from_gemini_block("OTHER"), CONTENT_FILTER);
        assert!(is_truncated(Some(MAX_TOKENS)));
        assert!(is_refused(Some(CONTENT_FILTER)) && is_refused(Some(REFUSAL)));
        assert!(!is_refused(Some(STOP)));
    }
}
