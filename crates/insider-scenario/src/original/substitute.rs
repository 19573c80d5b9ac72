//! The two substitution rules the original prompts pass through, reproduced exactly:
//! Python's `string.Template.safe_substitute` (`${name}` placeholders; unknown ones are left in
//! the text, which is the original's behaviour and a documented defect) and the `str.format`
//! pass that Inspect's `system_message` solver applies to the system prompt with the sample's
//! metadata (unknown `{fields}` kept).

/// The result of one `safe_substitute` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    /// The filled text.
    pub text: String,
    /// Placeholder names that had no value and were left in the text, in order of appearance.
    pub unfilled: Vec<String>,
}

fn is_ident_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_ident_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// Python `string.Template(template).safe_substitute(values)`: `$$` → `$`; `$name` and `${name}`
/// (ASCII identifiers) → the value, or left as written when unknown; any other `$` stays.
pub fn safe_substitute<'a>(
    template: &str,
    lookup: impl Fn(&str) -> Option<&'a str>,
) -> Substituted {
    let bytes = template.as_bytes();
    let mut text = String::with_capacity(template.len());
    let mut unfilled = Vec::new();
    let mut copied_to = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        text.push_str(&template[copied_to..i]);
        let next = bytes.get(i + 1).copied();
        let mut end = i + 1;
        let mut replacement: Option<String> = None;
        if next == Some(b'$') {
            replacement = Some("$".into());
            end = i + 2;
        } else if next.is_some_and(is_ident_start) {
            let mut j = i + 2;
            while j < bytes.len() && is_ident_char(bytes[j]) {
                j += 1;
            }
            let name = &template[i + 1..j];
            end = j;
            replacement = lookup(name).map(str::to_string);
            if replacement.is_none() {
                unfilled.push(name.to_string());
            }
        } else if next == Some(b'{') && bytes.get(i + 2).copied().is_some_and(is_ident_start) {
            let mut j = i + 3;
            while j < bytes.len() && is_ident_char(bytes[j]) {
                j += 1;
            }
            if bytes.get(j) == Some(&b'}') {
                let name = &template[i + 2..j];
                end = j + 1;
                replacement = lookup(name).map(str::to_string);
                if replacement.is_none() {
                    unfilled.push(name.to_string());
                }
            }
        }
        match replacement {
            Some(value) => text.push_str(&value),
            None => text.push_str(&template[i..end]),
        }
        copied_to = end;
        i = end;
    }
    text.push_str(&template[copied_to..]);
    Substituted { text, unfilled }
}

/// A value of the Inspect sample metadata, as `str()` would print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetaValue {
    /// A string (printed as is).
    Str(String),
    /// A bool (printed `True`/`False`).
    Bool(bool),
    /// `None` (a field naming it is kept literally, like an unknown one).
    Null,
}

/// Inspect's `format_template(text, metadata)` (skip unknown): `{{`/`}}` → braces; `{name}` → the
/// metadata value when present and not None, else kept as `{name}`. Fields with a conversion,
/// a format spec, an index, an attribute or no name are outside what the original prompts
/// contain and are reported as errors rather than guessed.
pub fn inspect_format(text: &str, metadata: &[(&str, MetaValue)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err(format!("single `}}` at byte {at}: str.format would raise")),
            '{' => {
                let mut field = String::new();
                let mut closed = false;
                for (_, f) in chars.by_ref() {
                    if f == '}' {
                        closed = true;
                        break;
                    }
                    field.push(f);
                }
                if !closed {
                    return Err(format!(
                        "unclosed `{{` at byte {at}: str.format would raise"
                    ));
                }
                if field.is_empty() || field.contains(['!', ':', '{', '[', '.']) {
                    return Err(format!(
                        "field `{{{field}}}` at byte {at} uses str.format features the compat renderer does not reproduce"
                    ));
                }
                match metadata
                    .iter()
                    .find(|(key, _)| *key == field)
                    .map(|(_, v)| v)
                {
                    Some(MetaValue::Str(value)) => out.push_str(value),
                    Some(MetaValue::Bool(value)) => {
                        out.push_str(if *value { "True" } else { "False" })
                    }
                    Some(MetaValue::Null) | None => {
                        out.push('{');
                        out.push_str(&field);
                        out.push('}');
                    }
                }
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(template: &str) -> Substituted {
        safe_substitute(template, |name| match name {
            "who" => Some("Kyle"),
            "empty" => Some(""),
            _ => None,
        })
    }

    #[test]
    fn template_rules_match_python() {
        // Results checked against Python 3.11 string.Template.safe_substitute.
        assert_eq!(fill("Hi ${who}, $who!").text, "Hi Kyle, Kyle!");
        assert_eq!(fill("a${empty}b").text, "ab");
        assert_eq!(
            fill("$$who costs $5 and ${ who} and $").text,
            "$who costs $5 and ${ who} and $"
        );
        let left = fill("x ${direction_modifier} y $missing_1z");
        assert_eq!(left.text, "x ${direction_modifier} y $missing_1z");
        assert_eq!(left.unfilled, vec!["direction_modifier", "missing_1z"]);
        assert_eq!(fill("${who}s $whos").text, "Kyles $whos");
        assert_eq!(fill("€${who}é").text, "€Kyleé");
    }

    #[test]
    fn inspect_format_keeps_unknown_fields() {
        let meta = [
            ("scenario", MetaValue::Str("murder".into())),
            ("prod", MetaValue::Bool(true)),
            ("extra_system_instructions", MetaValue::Null),
        ];
        let text =
            "to: \"{target email address}\" {scenario} {prod} {extra_system_instructions} {{x}}";
        assert_eq!(
            inspect_format(text, &meta).unwrap(),
            "to: \"{target email address}\" murder True {extra_system_instructions} {x}"
        );
        assert!(inspect_format("a } b", &meta).is_err());
        assert!(inspect_format("{x:>3}", &meta).is_err());
    }
}
