//! Pack-variable texts (goals.yaml, values.yaml, tools.yaml): rendered once with the pack's own
//! variables when the pack loads, and again for a condition whose setting changes those
//! variables (another persona, another executive, a renamed world).

use crate::template::{Lookup, Template};
use std::borrow::Cow;
use std::collections::HashMap;

/// A fragment's text with the pack's own variables, and its template for other settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fragment {
    /// The text rendered with the pack's own variables.
    pub text: String,
    template: Option<Template>,
}

impl Fragment {
    /// A fragment rendered at load as `text` from `template`.
    pub(crate) fn new(text: String, template: Option<Template>) -> Fragment {
        Fragment { text, template }
    }

    /// The text under `statics` (`None`: the pack's own variables, no rendering).
    pub(crate) fn text_for<'a>(
        &'a self,
        statics: Option<&HashMap<String, String>>,
    ) -> Cow<'a, str> {
        match (statics, &self.template) {
            (Some(statics), Some(template)) => {
                let lookup = |name: &str| match statics.get(name) {
                    Some(value) => Lookup::Found(value.as_str()),
                    None => Lookup::Unknown,
                };
                // Loading rendered this template with the same names, so it cannot fail here;
                // should it, the pack's own text is the safe answer.
                match template.render(&lookup) {
                    Ok(text) => Cow::Owned(text),
                    Err(_) => Cow::Borrowed(&self.text),
                }
            }
            _ => Cow::Borrowed(&self.text),
        }
    }
}
