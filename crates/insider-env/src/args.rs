//! Reading a tool call's JSON arguments, with errors a model can act on.
//!
//! Providers deliver arguments as a JSON object, sometimes as a string holding one (double
//! encoding), and models sometimes send `null` for "no arguments". Anything else, an argument
//! the tool does not take, a missing required one or a value of the wrong type is refused with
//! a message naming the argument and what the tool expects.

use crate::events::EmailRef;
use crate::spec::{Need, ToolKind};
use crate::validate::is_address;
use serde_json::{Map, Value};

/// The arguments of one call, checked against what its tool kind reads.
pub(crate) struct Args {
    tool: String,
    values: Map<String, Value>,
}

impl Args {
    /// Check `raw` against `kind`'s arguments; `tool` is the name the model called.
    pub(crate) fn parse(tool: &str, kind: ToolKind, raw: &Value) -> Result<Args, String> {
        let values = match raw {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            Value::String(text) if text.trim().is_empty() => Map::new(),
            Value::String(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                _ => return Err(format!("the arguments of `{tool}` are not a JSON object")),
            },
            _ => return Err(format!("the arguments of `{tool}` are not a JSON object")),
        };
        let accepted = kind.arguments();
        let mut unknown: Vec<&str> = values
            .keys()
            .map(String::as_str)
            .filter(|key| !accepted.iter().any(|(name, _)| name == key))
            .collect();
        unknown.sort_unstable();
        if !unknown.is_empty() {
            return Err(format!(
                "`{tool}` takes no argument {}; it takes: {}",
                quoted_list(&unknown),
                takes(kind)
            ));
        }
        let missing: Vec<&str> = accepted
            .iter()
            .filter(|(name, need)| {
                *need == Need::Required && values.get(*name).is_none_or(Value::is_null)
            })
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "`{tool}` needs {}; it takes: {}",
                quoted_list(&missing),
                takes(kind)
            ));
        }
        Ok(Args {
            tool: tool.to_string(),
            values,
        })
    }

    /// A text argument; `None` when absent or null.
    pub(crate) fn text(&self, name: &str) -> Result<Option<String>, String> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(format!("`{name}` of `{}` must be a string", self.tool)),
        }
    }

    /// A required text argument (presence was checked in `parse`).
    pub(crate) fn required_text(&self, name: &str) -> Result<String, String> {
        Ok(self.text(name)?.unwrap_or_default())
    }

    /// A required text argument that must not be blank.
    pub(crate) fn non_blank(&self, name: &str) -> Result<String, String> {
        let text = self.required_text(name)?;
        if text.trim().is_empty() {
            return Err(format!("`{name}` of `{}` is empty", self.tool));
        }
        Ok(text)
    }

    /// Recipient addresses from a comma- or semicolon-separated string or a list of strings,
    /// lower-cased and bare (`Name <a@b>` gives `a@b`); an empty optional argument gives none.
    pub(crate) fn recipients(&self, name: &str, need: Need) -> Result<Vec<String>, String> {
        let parts: Vec<String> = match self.values.get(name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(text)) => text.split([',', ';']).map(str::to_string).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    _ => Err(format!(
                        "`{name}` of `{}` must be addresses (a string or a list of strings)",
                        self.tool
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(format!(
                    "`{name}` of `{}` must be addresses (a string or a list of strings)",
                    self.tool
                ))
            }
        };
        let mut addresses = Vec::new();
        for part in parts
            .iter()
            .map(|part| part.trim())
            .filter(|p| !p.is_empty())
        {
            let bare = bare_address(part);
            if !is_address(&bare) {
                return Err(format!(
                    "`{name}` of `{}`: `{part}` is not an e-mail address",
                    self.tool
                ));
            }
            addresses.push(bare);
        }
        if addresses.is_empty() && need == Need::Required {
            return Err(format!("`{name}` of `{}` lists no address", self.tool));
        }
        Ok(addresses)
    }

    /// An e-mail reference: a number (`3`, `"3"`, `"ID: 3"`, `"#3"`) or an e-mail key.
    pub(crate) fn email(&self, name: &str) -> Result<EmailRef, String> {
        let bad = || {
            format!(
                "`{name}` of `{}` must be the ID of an e-mail, as shown in the inbox",
                self.tool
            )
        };
        match self.values.get(name) {
            Some(Value::Number(number)) => number
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(EmailRef::Number)
                .ok_or_else(bad),
            Some(Value::String(text)) => {
                let trimmed = text.trim();
                let digits = trimmed
                    .strip_prefix("ID:")
                    .or_else(|| trimmed.strip_prefix("id:"))
                    .unwrap_or(trimmed)
                    .trim()
                    .trim_start_matches('#');
                if digits.is_empty() {
                    return Err(bad());
                }
                Ok(digits
                    .parse()
                    .map(EmailRef::Number)
                    .unwrap_or_else(|_| EmailRef::Key(trimmed.to_string())))
            }
            _ => Err(bad()),
        }
    }
}

/// `Name <a@b>` → `a@b`; otherwise the text, both trimmed and lower-cased.
fn bare_address(text: &str) -> String {
    let inner = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    inner.trim().to_lowercase()
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `to, subject, body (cc optional)`, or `no arguments`.
fn takes(kind: ToolKind) -> String {
    let arguments = kind.arguments();
    if arguments.is_empty() {
        return "no arguments".into();
    }
    arguments
        .iter()
        .map(|(name, need)| match need {
            Need::Required => name.to_string(),
            Need::Optional => format!("{name} (optional)"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn double_encoded_and_null_arguments_are_read() {
        let args = Args::parse(
            "read_email",
            ToolKind::ReadEmail,
            &json!("{\"email_id\": 4}"),
        )
        .unwrap();
        assert_eq!(args.email("email_id"), Ok(EmailRef::Number(4)));
        assert!(Args::parse("list_inbox", ToolKind::ListInbox, &Value::Null).is_ok());
        let error = Args::parse("read_email", ToolKind::ReadEmail, &json!([1]))
            .err()
            .unwrap();
        assert!(error.contains("not a JSON object"), "{error}");
    }

    #[test]
    fn unknown_and_missing_arguments_are_named() {
        let raw = json!({"to": "a@b.example", "attachments": "x", "priority": 1});
        let error = Args::parse("email", ToolKind::SendEmail, &raw)
            .err()
            .unwrap();
        assert_eq!(
            error,
            "`email` takes no argument `attachments`, `priority`; it takes: to, cc (optional), subject, body"
        );
        let error = Args::parse(
            "email",
            ToolKind::SendEmail,
            &json!({"to": "a@b.example", "body": null}),
        )
        .err()
        .unwrap();
        assert!(
            error.starts_with("`email` needs `subject`, `body`"),
            "{error}"
        );
    }

    #[test]
    fn recipients_are_split_bared_and_lower_cased() {
        let raw = json!({"to": "Kim Vale <Kim.Vale@Example.com>; ops@example.com,", "cc": ["x@y.example"]});
        let args = Args::parse(
            "send_email",
            ToolKind::SendEmail,
            &json!({"subject": "", "body": "", "to": raw["to"], "cc": raw["cc"]}),
        )
        .unwrap();
        assert_eq!(
            args.recipients("to", Need::Required).unwrap(),
            vec!["kim.vale@example.com", "ops@example.com"]
        );
        assert_eq!(
            args.recipients("cc", Need::Optional).unwrap(),
            vec!["x@y.example"]
        );
        let args = Args::parse(
            "send_email",
            ToolKind::SendEmail,
            &json!({"to": "Kim", "subject": "", "body": ""}),
        )
        .unwrap();
        assert_eq!(
            args.recipients("to", Need::Required).err().unwrap(),
            "`to` of `send_email`: `Kim` is not an e-mail address"
        );
    }

    #[test]
    fn email_ids_accept_the_forms_models_write() {
        for (raw, expected) in [
            (json!(3), EmailRef::Number(3)),
            (json!("3"), EmailRef::Number(3)),
            (json!(" ID: 3 "), EmailRef::Number(3)),
            (json!("#3"), EmailRef::Number(3)),
            (
                json!("palisade-spec"),
                EmailRef::Key("palisade-spec".into()),
            ),
        ] {
            let args =
                Args::parse("read_email", ToolKind::ReadEmail, &json!({"email_id": raw})).unwrap();
            assert_eq!(args.email("email_id"), Ok(expected), "{raw}");
        }
        let args =
            Args::parse("read_email", ToolKind::ReadEmail, &json!({"email_id": -1})).unwrap();
        assert!(args.email("email_id").is_err());
    }
}
