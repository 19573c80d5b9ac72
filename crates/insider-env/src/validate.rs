//! Consistency checks of a parsed `WorldSpec`: every problem at once, each naming its field.

use crate::events::{Condition, EmailRef};
use crate::problem::{locate, Anchor, Problem, SpecError};
use crate::spec::{Need, ToolKind, ToolSpec, WorldSpec};
use std::collections::{BTreeMap, BTreeSet};

/// Problems found so far, each with the list item it is about.
struct Findings {
    found: Vec<(Option<Anchor>, String, String)>,
}

impl Findings {
    fn top(&mut self, field: &str, message: String) {
        self.found.push((None, field.to_string(), message));
    }

    fn at(&mut self, anchor: Anchor, field: String, message: String) {
        self.found.push((Some(anchor), field, message));
    }
}

fn anchor(section: &'static str, key: &'static str, value: &str, leaf: &str) -> Anchor {
    Anchor {
        section,
        key,
        value: value.to_string(),
        leaf: (!leaf.is_empty()).then(|| leaf.to_string()),
    }
}

/// Whether `text` looks like one bare e-mail address (`local@domain`, no spaces).
pub(crate) fn is_address(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

impl WorldSpec {
    /// Validate, locating problems in `text` (the YAML source) when given.
    pub(crate) fn validate_located(
        &self,
        source: &str,
        text: Option<&str>,
    ) -> Result<(), SpecError> {
        let mut findings = Findings { found: Vec::new() };
        self.check_top(&mut findings);
        let mail_keys = self.check_inbox(&mut findings);
        self.check_files_and_alerts(&mut findings);
        self.check_tools(&mut findings);
        self.check_events(&mut findings, &mail_keys);
        if findings.found.is_empty() {
            return Ok(());
        }
        let problems = findings
            .found
            .into_iter()
            .map(|(anchor, field, message)| Problem {
                line: text
                    .zip(anchor.as_ref())
                    .and_then(|(text, a)| locate(text, a)),
                field,
                message,
            })
            .collect();
        Err(SpecError {
            source_name: source.to_string(),
            problems,
        })
    }

    fn check_top(&self, findings: &mut Findings) {
        if !is_address(&self.agent.address) {
            findings.top(
                "agent.address",
                format!("`{}` is not an e-mail address", self.agent.address),
            );
        }
        if self.max_turns == 0 {
            findings.top("max_turns", "must be at least 1".into());
        }
        if let Some(deadline) = self.clock.deadline {
            if deadline <= self.clock.start {
                findings.top(
                    "clock.deadline",
                    format!("{deadline} is not after clock.start {}", self.clock.start),
                );
            }
        }
        if self.clock.advance_per_turn.seconds() == 0 && self.clock.deadline.is_some() {
            findings.top(
                "clock.advance_per_turn",
                "is 0, so the clock never reaches clock.deadline; give a duration such as `2m`"
                    .into(),
            );
        }
    }

    /// Check the inbox; returns every e-mail key (pack ids and event ids) that may be named.
    fn check_inbox(&self, findings: &mut Findings) -> BTreeSet<String> {
        let mut numbers = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for mail in &self.inbox {
            let id = mail.id.to_string();
            let field = |leaf: &str| format!("inbox[{id}].{leaf}");
            if mail.id == 0 {
                findings.at(
                    anchor("inbox", "id", &id, "id"),
                    field("id"),
                    "must be at least 1".into(),
                );
            }
            if !numbers.insert(mail.id) {
                findings.at(
                    anchor("inbox", "id", &id, "id"),
                    field("id"),
                    "is used by another e-mail".into(),
                );
            }
            if let Some(key) = &mail.key {
                if !keys.insert(key.clone()) {
                    findings.at(
                        anchor("inbox", "id", &id, "key"),
                        field("key"),
                        format!("`{key}` is used by another e-mail"),
                    );
                }
            }
            if mail.timestamp > self.clock.start {
                findings.at(
                    anchor("inbox", "id", &id, "timestamp"),
                    field("timestamp"),
                    format!(
                        "{} is after clock.start {}",
                        mail.timestamp, self.clock.start
                    ),
                );
            }
            if !is_address(&mail.from) {
                findings.at(
                    anchor("inbox", "id", &id, "from"),
                    field("from"),
                    format!("`{}` is not an e-mail address", mail.from),
                );
            }
            for (leaf, list) in [("to", &mail.to), ("cc", &mail.cc)] {
                for address in list.iter().filter(|a| !is_address(a)) {
                    findings.at(
                        anchor("inbox", "id", &id, leaf),
                        field(leaf),
                        format!("`{address}` is not an e-mail address"),
                    );
                }
            }
            if mail.to.is_empty() {
                findings.at(
                    anchor("inbox", "id", &id, "to"),
                    field("to"),
                    "lists no recipient".into(),
                );
            }
        }
        for event in &self.events {
            if !keys.insert(event.id.clone()) {
                findings.at(
                    anchor("events", "id", &event.id, "id"),
                    format!("events[{}].id", event.id),
                    "is used by another event or inbox e-mail key".into(),
                );
            }
        }
        keys
    }

    fn check_files_and_alerts(&self, findings: &mut Findings) {
        let mut names = BTreeSet::new();
        for file in &self.files {
            if file.name.trim().is_empty() {
                findings.top("files", "a file has an empty name".into());
            } else if !names.insert(file.name.as_str()) {
                findings.at(
                    anchor("files", "name", &file.name, "name"),
                    format!("files[{}].name", file.name),
                    "is used by another file".into(),
                );
            }
        }
        let mut ids = BTreeSet::new();
        for alert in &self.alerts {
            let field = |leaf: &str| format!("alerts[{}].{leaf}", alert.id);
            if !ids.insert(alert.id.as_str()) {
                findings.at(
                    anchor("alerts", "id", &alert.id, "id"),
                    field("id"),
                    "is used by another alert".into(),
                );
            }
            if alert.override_code.trim().is_empty() {
                findings.at(
                    anchor("alerts", "id", &alert.id, "override_code"),
                    field("override_code"),
                    "is empty".into(),
                );
            }
            if alert.dispatch_at.is_some_and(|at| at < self.clock.start) {
                findings.at(
                    anchor("alerts", "id", &alert.id, "dispatch_at"),
                    field("dispatch_at"),
                    "is before clock.start".into(),
                );
            }
        }
    }

    fn check_tools(&self, findings: &mut Findings) {
        let mut names = BTreeSet::new();
        let mut kinds: BTreeMap<ToolKind, &str> = BTreeMap::new();
        for tool in &self.tools {
            let field = |leaf: &str| format!("tools[{}].{leaf}", tool.name);
            let here = |leaf: &str| anchor("tools", "name", &tool.name, leaf);
            if !names.insert(tool.name.as_str()) {
                findings.at(here("name"), field("name"), "is offered twice".into());
            }
            let Some(kind) = tool.resolved_kind() else {
                findings.at(
                    here("kind"),
                    field("kind"),
                    format!(
                        "`{}` is not a known tool name; give `kind:` (one of {})",
                        tool.name,
                        kind_names()
                    ),
                );
                continue;
            };
            if let Some(other) = kinds.insert(kind, &tool.name) {
                findings.at(
                    here("kind"),
                    field("kind"),
                    format!("{} is already offered as tool `{other}`", kind.name()),
                );
            }
            let missing_data = match kind {
                ToolKind::CancelAlert => self.alerts.is_empty().then_some("alerts"),
                ToolKind::ReadFile | ToolKind::UploadFile => {
                    self.files.is_empty().then_some("files")
                }
                _ => None,
            };
            if let Some(section) = missing_data {
                findings.at(
                    here("name"),
                    field("name"),
                    format!("{} is offered but the spec has no {section}", kind.name()),
                );
            }
            for message in schema_problems(tool, kind) {
                findings.at(here("parameters"), field("parameters"), message);
            }
        }
    }

    fn check_events(&self, findings: &mut Findings, mail_keys: &BTreeSet<String>) {
        for event in &self.events {
            let field = |leaf: &str| format!("events[{}].{leaf}", event.id);
            let here = |leaf: &str| anchor("events", "id", &event.id, leaf);
            if event.at.is_none() && event.when.is_none() {
                findings.at(
                    here("id"),
                    field("id"),
                    "gives neither `at` nor `when`, so it could never be due".into(),
                );
            }
            if let Some(at) = event.at {
                if at < self.clock.start {
                    findings.at(
                        here("at"),
                        field("at"),
                        format!("{at} is before clock.start {}", self.clock.start),
                    );
                }
            }
            if !is_address(&event.email.from) {
                findings.at(
                    here("from"),
                    field("email.from"),
                    format!("`{}` is not an e-mail address", event.email.from),
                );
            }
            for address in event
                .email
                .to
                .iter()
                .chain(&event.email.cc)
                .filter(|a| !is_address(a))
            {
                findings.at(
                    here("to"),
                    field("email.to"),
                    format!("`{address}` is not an e-mail address"),
                );
            }
            if let Some(condition) = &event.when {
                let mut messages = Vec::new();
                self.check_condition(condition, "when", mail_keys, &mut messages);
                for (path, message) in messages {
                    let leaf = path.rsplit('.').next().unwrap_or("when").to_string();
                    findings.at(here(&leaf), field(&path), message);
                }
            }
        }
    }

    /// Check a condition's references, collecting `(path, message)` pairs.
    fn check_condition(
        &self,
        condition: &Condition,
        path: &str,
        mail_keys: &BTreeSet<String>,
        out: &mut Vec<(String, String)>,
    ) {
        match condition {
            Condition::All(parts) | Condition::Any(parts) => {
                let word = if matches!(condition, Condition::All(_)) {
                    "all"
                } else {
                    "any"
                };
                if parts.is_empty() {
                    out.push((format!("{path}.{word}"), "lists no condition".into()));
                }
                for (index, part) in parts.iter().enumerate() {
                    self.check_condition(part, &format!("{path}.{word}[{index}]"), mail_keys, out);
                }
            }
            Condition::Not(inner) => {
                self.check_condition(inner, &format!("{path}.not"), mail_keys, out)
            }
            Condition::Factor(wanted) => {
                for (name, values) in wanted {
                    if !self.factors.contains_key(name) {
                        out.push((
                            format!("{path}.factor"),
                            format!(
                                "`{name}` is not among the spec's factors ({})",
                                join_keys(&self.factors)
                            ),
                        ));
                    } else if values.is_empty() {
                        out.push((format!("{path}.factor"), format!("`{name}` lists no value")));
                    }
                }
            }
            Condition::SentMail(matcher) => {
                check_addresses(&matcher.to_any, &format!("{path}.sent_mail.to_any"), out);
                if matcher
                    .containing_any
                    .iter()
                    .any(|word| word.trim().is_empty())
                {
                    out.push((
                        format!("{path}.sent_mail.containing_any"),
                        "holds an empty word, which every mail contains".into(),
                    ));
                }
            }
            Condition::Forwarded(matcher) => {
                check_addresses(&matcher.to_any, &format!("{path}.forwarded.to_any"), out);
                if let Some(email) = &matcher.email {
                    self.check_email_ref(email, &format!("{path}.forwarded.email"), mail_keys, out);
                }
            }
            Condition::ReadEmail(matcher) => self.check_email_ref(
                &matcher.email,
                &format!("{path}.read_email.email"),
                mail_keys,
                out,
            ),
            Condition::CancelledAlert(matcher) => {
                if let Some(alert) = &matcher.alert {
                    if !self.alerts.iter().any(|a| &a.id == alert) {
                        out.push((
                            format!("{path}.cancelled_alert.alert"),
                            format!("no alert has id `{alert}`"),
                        ));
                    }
                }
            }
            Condition::Uploaded(matcher) => {
                if let Some(file) = &matcher.file {
                    if !self.files.iter().any(|f| &f.name == file) {
                        out.push((
                            format!("{path}.uploaded.file"),
                            format!("no file is named `{file}`"),
                        ));
                    }
                }
            }
        }
    }

    fn check_email_ref(
        &self,
        email: &EmailRef,
        path: &str,
        keys: &BTreeSet<String>,
        out: &mut Vec<(String, String)>,
    ) {
        let known = match email {
            EmailRef::Number(number) => self.inbox.iter().any(|mail| mail.id == *number),
            EmailRef::Key(key) => keys.contains(key),
        };
        if !known {
            let shown = match email {
                EmailRef::Number(number) => number.to_string(),
                EmailRef::Key(key) => format!("`{key}`"),
            };
            out.push((
                path.to_string(),
                format!("{shown} is neither an inbox e-mail's id or key nor an event id"),
            ));
        }
    }
}

fn check_addresses(addresses: &[String], path: &str, out: &mut Vec<(String, String)>) {
    for address in addresses.iter().filter(|a| !is_address(a.trim())) {
        out.push((
            path.to_string(),
            format!("`{address}` is not an e-mail address"),
        ));
    }
}

/// What is wrong with a tool's JSON schema for the arguments `kind` reads.
fn schema_problems(tool: &ToolSpec, kind: ToolKind) -> Vec<String> {
    let mut problems = Vec::new();
    let object = tool.parameters.as_object();
    if object.and_then(|o| o.get("type")).and_then(|t| t.as_str()) != Some("object") {
        problems.push("must be a JSON schema with `type: object`".to_string());
        return problems;
    }
    let properties = object
        .and_then(|o| o.get("properties"))
        .and_then(|p| p.as_object());
    let offered: BTreeSet<&str> = properties
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let reads: BTreeSet<&str> = kind.arguments().iter().map(|(name, _)| *name).collect();
    for (name, need) in kind.arguments() {
        if *need == Need::Required && !offered.contains(name) {
            problems.push(format!(
                "properties lack `{name}`, which {} requires",
                kind.name()
            ));
        }
    }
    for name in offered.difference(&reads) {
        problems.push(format!(
            "properties offer `{name}`, which {} does not read (it reads: {})",
            kind.name(),
            if reads.is_empty() {
                "nothing".to_string()
            } else {
                reads.iter().copied().collect::<Vec<_>>().join(", ")
            }
        ));
    }
    problems
}

fn kind_names() -> String {
    ToolKind::ALL
        .iter()
        .map(|kind| kind.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_keys(map: &BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "none given".into();
    }
    map.keys().cloned().collect::<Vec<_>>().join(", ")
}
