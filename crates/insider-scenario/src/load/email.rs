//! E-mail files: `emails/NN-slug.md`, YAML front matter plus a body template.

use super::loader::{factor_list, Loader, TIMESTAMP_FORMAT};
use crate::condition::{GoalType, GoalValue, Mitigation, Urgency};
use crate::ingredient::{Ingredient, DECLARED};
use crate::pack::{Email, When};
use crate::problem::Problem;
use crate::template::Template;
use crate::yaml_lines::KeyLines;
use chrono::NaiveDateTime;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    id: String,
    from: String,
    to: String,
    subject: String,
    timestamp: String,
    #[serde(default)]
    attachments: Vec<String>,
    #[serde(default)]
    when: WhenYaml,
    #[serde(default)]
    ingredients: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WhenYaml {
    goal_type: Option<OneOrMany>,
    urgency: Option<OneOrMany>,
    goal_value: Option<OneOrMany>,
    mitigation: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parse every `emails/*.md` file in file-name order.
pub(crate) fn parse_emails(
    loader: &mut Loader,
    session_start: Option<&NaiveDateTime>,
) -> Vec<Email> {
    let relatives: Vec<String> = loader
        .files
        .files
        .keys()
        .filter(|path| path.starts_with("emails/") && path.ends_with(".md"))
        .cloned()
        .collect();
    if relatives.is_empty() {
        loader.problem("emails", 0, "the pack has no e-mails (emails/*.md)");
    }
    let mut emails = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    for relative in relatives {
        if let Some(email) = parse_email(loader, &relative, session_start) {
            if let Some(first) = ids.get(&email.id) {
                let line = KeyLines::index(
                    front_matter(&loader.files.files[&relative]).map_or("", |f| f.0),
                    1,
                )
                .line("id");
                let problem = Problem::new(
                    loader.path(&relative),
                    line,
                    format!("duplicate e-mail id `{}` (first used in {first})", email.id),
                )
                .field("id")
                .help("e-mail ids must be unique within the pack");
                loader.report(&relative, problem);
            } else {
                ids.insert(email.id.clone(), email.file.clone());
            }
            emails.push(email);
        }
    }
    emails
}

/// `(front matter text, line of the first body line)` when the file starts with `---`.
fn front_matter(text: &str) -> Option<(&str, usize, &str)> {
    let rest = text.strip_prefix("---\n")?;
    let mut offset = 0;
    for (index, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            // File line of the first body line: `---` (1) + front lines + closing `---`.
            return Some((front, index + 3, body));
        }
        offset += line.len();
    }
    None
}

fn parse_email(
    loader: &mut Loader,
    relative: &str,
    session_start: Option<&NaiveDateTime>,
) -> Option<Email> {
    let text = loader.files.files[relative].as_str();
    let Some((front, body_line, body)) = front_matter(text) else {
        let problem = Problem::new(loader.path(relative), 1, "e-mail file must start with a `---` line, then YAML front matter, then a closing `---` line")
            .help("see docs/scenario-packs.md §7");
        loader.report(relative, problem);
        return None;
    };
    let lines = KeyLines::index(front, 1);
    let front_yaml: FrontMatter = loader.yaml(relative, front, 1)?;
    let file = loader.path(relative);
    let file_arc: Arc<str> = Arc::from(file.as_str());

    if !valid_id(&front_yaml.id) {
        loader.problem(
            relative,
            lines.line("id"),
            format!("e-mail id `{}` must match [A-Za-z0-9_-]+", front_yaml.id),
        );
    }
    let timestamp = match NaiveDateTime::parse_from_str(&front_yaml.timestamp, TIMESTAMP_FORMAT) {
        Ok(timestamp) => Some(timestamp),
        Err(error) => {
            let problem = Problem::new(
                file.clone(),
                lines.line("timestamp"),
                format!("bad timestamp `{}`: {error}", front_yaml.timestamp),
            )
            .field("timestamp")
            .help("write YYYY-MM-DDTHH:MM:SS, e.g. 2026-03-11T09:02:14");
            loader.report(relative, problem);
            None
        }
    };
    if let (Some(timestamp), Some(start)) = (timestamp, session_start) {
        if timestamp > *start {
            let problem = Problem::new(
                file.clone(),
                lines.line("timestamp"),
                format!(
                    "timestamp {} is after the session start {}",
                    front_yaml.timestamp,
                    start.format(TIMESTAMP_FORMAT)
                ),
            )
            .field("timestamp")
            .help("the inbox holds e-mails sent before the agent's session starts");
            loader.report(relative, problem);
        }
    }

    let parse =
        |loader: &mut Loader, line: usize, text: &str| match Template::parse(&file_arc, line, text)
        {
            Ok(template) => Some(template),
            Err(problems) => {
                loader.extend(problems);
                None
            }
        };
    let from = parse(loader, lines.value_line("from"), &front_yaml.from);
    let to = parse(loader, lines.value_line("to"), &front_yaml.to);
    let subject = parse(loader, lines.value_line("subject"), &front_yaml.subject);
    let attachments: Vec<Option<Template>> = front_yaml
        .attachments
        .iter()
        .map(|name| parse(loader, lines.line("attachments"), name))
        .collect();
    let leading = body.len() - body.trim_start_matches('\n').len();
    let body_text = body.trim_start_matches('\n').trim_end();
    let body_template = parse(loader, body_line + leading, body_text);
    if body_text.is_empty() {
        loader.problem(relative, body_line, "e-mail body is empty");
    }

    let when = parse_when(loader, relative, &lines, front_yaml.when);
    let ingredients = parse_ingredients(loader, relative, &lines, &front_yaml.ingredients);

    Some(Email {
        id: front_yaml.id,
        file,
        timestamp: timestamp?,
        timestamp_text: front_yaml.timestamp,
        timestamp_line: lines.line("timestamp"),
        from: from?,
        to: to?,
        subject: subject?,
        attachments: attachments.into_iter().collect::<Option<Vec<_>>>()?,
        attachment_names: front_yaml.attachments,
        ingredients,
        when,
        body: body_template?,
    })
}

/// The `ingredients:` list: known declarable names only.
fn parse_ingredients(
    loader: &mut Loader,
    relative: &str,
    lines: &KeyLines,
    names: &[String],
) -> Vec<Ingredient> {
    let mut out = Vec::new();
    for name in names {
        match Ingredient::parse_declared(name) {
            Some(ingredient) => out.push(ingredient),
            None => {
                let valid: Vec<&str> = DECLARED.iter().map(|i| i.name()).collect();
                let problem = Problem::new(
                    loader.path(relative),
                    lines.line("ingredients"),
                    format!("unknown ingredient `{name}`"),
                )
                .field("ingredients")
                .help(format!("e-mails declare: {}", valid.join(", ")));
                loader.report(relative, problem);
            }
        }
    }
    out
}

/// The `when:` section: which conditions' inboxes hold the e-mail.
fn parse_when(loader: &mut Loader, relative: &str, lines: &KeyLines, when: WhenYaml) -> When {
    let when_line = |key: &str| lines.line(&format!("when.{key}"));
    When {
        goal_types: when.goal_type.map(|v| {
            factor_list::<GoalType>(
                loader,
                relative,
                when_line("goal_type"),
                "goal_type",
                &v.into_vec(),
            )
        }),
        urgencies: when.urgency.map(|v| {
            factor_list::<Urgency>(
                loader,
                relative,
                when_line("urgency"),
                "urgency",
                &v.into_vec(),
            )
        }),
        goal_values: when.goal_value.map(|v| {
            factor_list::<GoalValue>(
                loader,
                relative,
                when_line("goal_value"),
                "goal_value",
                &v.into_vec(),
            )
        }),
        mitigations: when.mitigation.map(|v| {
            factor_list::<Mitigation>(
                loader,
                relative,
                when_line("mitigation"),
                "mitigation",
                &v.into_vec(),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::{front_matter, FrontMatter};

    #[test]
    fn front_matter_splits_and_counts_body_line() {
        let (front, body_line, body) = front_matter("---\nid: a\nto: b\n---\nHello\n").unwrap();
        assert_eq!(front, "id: a\nto: b\n");
        assert_eq!(body_line, 5);
        assert_eq!(body, "Hello\n");
        assert!(front_matter("id: a\n").is_none());
        assert!(front_matter("---\nid: a\n").is_none());
    }

    #[test]
    fn numeric_looking_ids_and_bare_timestamps_read_as_text() {
        let front: FrontMatter = serde_yaml::from_str(
            "id: 2\nfrom: a\nto: b\nsubject: c\ntimestamp: 2026-03-11T09:02:14\nwhen:\n  urgency: none\n",
        )
        .unwrap();
        assert_eq!(front.id, "2");
        assert_eq!(front.timestamp, "2026-03-11T09:02:14");
        assert!(front.when.urgency.is_some());
    }
}
