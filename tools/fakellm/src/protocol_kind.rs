//! Which of the three provider protocols a request speaks. A leaf of its own so that reading a
//! conversation can dispatch on it without depending on the reply renderers in `protocol`.

/// Which provider protocol a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OpenAI Chat Completions.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini generateContent.
    Gemini,
}

impl Protocol {
    /// Short lower-case name used in stats and rules.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::OpenAi => "openai",
            Protocol::Anthropic => "anthropic",
            Protocol::Gemini => "gemini",
        }
    }

    /// The protocol served at `path`, with the Gemini model taken from the path.
    pub fn from_path(path: &str) -> Option<(Protocol, Option<String>)> {
        match path {
            "/v1/chat/completions" | "/chat/completions" => Some((Protocol::OpenAi, None)),
            "/v1/messages" => Some((Protocol::Anthropic, None)),
            _ => {
                let rest = path
                    .strip_prefix("/v1beta/models/")
                    .or_else(|| path.strip_prefix("/v1/models/"))?;
                let model = rest.strip_suffix(":generateContent")?;
                Some((Protocol::Gemini, Some(model.to_string())))
            }
        }
    }
}
