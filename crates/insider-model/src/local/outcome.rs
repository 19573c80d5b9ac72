//! What one generation hands back. Its own file because the prompt rendering fails with the same
//! type the engine does, and neither should depend on the other for it.

/// A finished generation.
pub(super) struct GenOutput {
    pub text: String,
    pub tool_calls: Vec<crate::ToolCall>,
    pub stop_reason: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub raw_request: String,
    pub raw_response: String,
}

/// A generation that failed.
pub(super) struct GenFailure {
    pub message: String,
    pub cancelled: bool,
}

impl GenFailure {
    pub(super) fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            cancelled: false,
        }
    }
}
