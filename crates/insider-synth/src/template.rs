//! Spec templates: minijinja with strict undefined, so a misspelt variable is an error and
//! never an empty string in a prompt.

use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;
use std::sync::OnceLock;

/// Why a template did not render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateError {
    /// What went wrong (minijinja's kind and detail).
    pub message: String,
    /// 1-based line within the template, when known.
    pub line: Option<usize>,
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Prompts are plain text: no HTML escaping, and a block's final newline is the
        // author's, so keep it out of the rendered text.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env
    })
}

/// Render `source` with `context`; the result is trimmed at both ends.
pub(crate) fn render(source: &str, context: &Value) -> Result<String, TemplateError> {
    environment()
        .render_str(source, context)
        .map(|text| text.trim().to_string())
        .map_err(|error| TemplateError {
            message: match error.detail() {
                Some(detail) => format!("{}: {detail}", error.kind()),
                None => error.kind().to_string(),
            },
            line: error.line(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strict_undefined_is_an_error_with_its_line() {
        let error = render("line one\n{{ nope }}", &json!({})).unwrap_err();
        assert!(error.message.contains("undefined"), "{error:?}");
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn fields_of_map_values_render_and_text_is_not_escaped() {
        let text = render("{{ a.b }} <&>", &json!({"a": {"b": "x & y"}})).unwrap();
        assert_eq!(text, "x & y <&>");
    }
}
