//! The strict template language of pack files: `{{name}}` placeholders, nothing else.
//!
//! A template is parsed once when the pack loads, remembering the file line of every
//! placeholder, so a missing variable can be reported as `file:line` at render time.

use crate::problem::Problem;
use std::sync::Arc;

/// How a variable lookup went.
pub(crate) enum Lookup<'a> {
    /// The variable's text.
    Found(&'a str),
    /// No such variable.
    Unknown,
    /// The variable exists but not in this file or condition; the text says why.
    NotHere(String),
}

#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Var {
        name: String,
        line: usize,
    },
    /// A line holding only one placeholder: removed with its line break when the value is empty.
    LineVar {
        name: String,
        line: usize,
        indent: String,
        newline: bool,
    },
}

/// A parsed template with the file and line numbers of its placeholders.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    file: Arc<str>,
    segments: Vec<Segment>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|segment| {
            !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
}

impl Template {
    /// Parse `text`, whose first line is line `first_line` of `file`.
    pub(crate) fn parse(
        file: &Arc<str>,
        first_line: usize,
        text: &str,
    ) -> Result<Template, Vec<Problem>> {
        let mut segments = Vec::new();
        let mut problems = Vec::new();
        let mut literal = String::new();
        for (index, raw_line) in text.split_inclusive('\n').enumerate() {
            let line_no = first_line + index;
            let (body, newline) = match raw_line.strip_suffix('\n') {
                Some(body) => (body, true),
                None => (raw_line, false),
            };
            let trimmed = body.trim();
            if let Some(name) = lone_placeholder(trimmed) {
                if valid_name(name) {
                    if !literal.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut literal)));
                    }
                    let indent_len = body.len() - body.trim_start().len();
                    segments.push(Segment::LineVar {
                        name: name.to_string(),
                        line: line_no,
                        indent: body[..indent_len].to_string(),
                        newline,
                    });
                    continue;
                }
            }
            let mut rest = raw_line;
            while let Some(start) = rest.find("{{") {
                literal.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let end = after.find("}}").filter(|end| !after[..*end].contains('\n'));
                let Some(end) = end else {
                    problems.push(
                        Problem::new(
                            file.as_ref(),
                            line_no,
                            "unterminated placeholder: `{{` without `}}` on the same line",
                        )
                        .help("close it with `}}`; templates have no escape for a literal `{{`"),
                    );
                    literal.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let name = after[..end].trim();
                if !valid_name(name) {
                    problems.push(
                        Problem::new(file.as_ref(), line_no, format!("invalid placeholder name `{name}`"))
                            .field(name)
                            .help("names are dotted paths of letters, digits, `_` and `-`, e.g. `{{cast.cto.name}}`"),
                    );
                } else {
                    if !literal.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut literal)));
                    }
                    segments.push(Segment::Var {
                        name: name.to_string(),
                        line: line_no,
                    });
                }
                rest = &after[end + 2..];
            }
            literal.push_str(rest);
        }
        if !literal.is_empty() {
            segments.push(Segment::Text(literal));
        }
        if problems.is_empty() {
            Ok(Template {
                file: file.clone(),
                segments,
            })
        } else {
            Err(problems)
        }
    }

    /// The file this template came from.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// Every placeholder with its line.
    pub(crate) fn variables(&self) -> impl Iterator<Item = (&str, usize)> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Var { name, line } | Segment::LineVar { name, line, .. } => {
                Some((name.as_str(), *line))
            }
            Segment::Text(_) => None,
        })
    }

    /// How many times `name` is used.
    pub(crate) fn count_uses(&self, name: &str) -> usize {
        self.variables().filter(|(used, _)| *used == name).count()
    }

    /// Render into `out`, appending a problem for every variable that cannot be resolved.
    pub(crate) fn render_into<'a>(
        &self,
        out: &mut String,
        lookup: &dyn Fn(&str) -> Lookup<'a>,
        problems: &mut Vec<Problem>,
    ) {
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => out.push_str(text),
                Segment::Var { name, line } => {
                    if let Some(value) = self.resolve(name, *line, lookup, problems) {
                        out.push_str(value);
                    }
                }
                Segment::LineVar {
                    name,
                    line,
                    indent,
                    newline,
                } => {
                    if let Some(value) = self.resolve(name, *line, lookup, problems) {
                        if !value.is_empty() {
                            out.push_str(indent);
                            out.push_str(value);
                            if *newline {
                                out.push('\n');
                            }
                        }
                    }
                }
            }
        }
    }

    /// Render to a new string.
    pub(crate) fn render<'a>(
        &self,
        lookup: &dyn Fn(&str) -> Lookup<'a>,
    ) -> Result<String, Vec<Problem>> {
        let mut out = String::new();
        let mut problems = Vec::new();
        self.render_into(&mut out, lookup, &mut problems);
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    fn resolve<'a>(
        &self,
        name: &str,
        line: usize,
        lookup: &dyn Fn(&str) -> Lookup<'a>,
        problems: &mut Vec<Problem>,
    ) -> Option<&'a str> {
        match lookup(name) {
            Lookup::Found(value) => Some(value),
            Lookup::Unknown => {
                problems.push(
                    Problem::new(
                        self.file.as_ref(),
                        line,
                        format!("unknown variable `{name}`"),
                    )
                    .field(name)
                    .help("see docs/scenario-packs.md §2.1 for the variables a template may use"),
                );
                None
            }
            Lookup::NotHere(why) => {
                problems.push(
                    Problem::new(
                        self.file.as_ref(),
                        line,
                        format!("variable `{name}` is not available here: {why}"),
                    )
                    .field(name),
                );
                None
            }
        }
    }
}

/// `Some(name)` when `trimmed` is exactly one placeholder.
fn lone_placeholder(trimmed: &str) -> Option<&str> {
    let inner = trimmed.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") || inner.contains("}}") {
        return None;
    }
    Some(inner.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Lookup<'static> {
        match name {
            "a" => Lookup::Found("A"),
            "empty" => Lookup::Found(""),
            "multi" => Lookup::Found("x\ny"),
            "scoped" => Lookup::NotHere("only in user.md".into()),
            _ => Lookup::Unknown,
        }
    }

    fn file() -> Arc<str> {
        Arc::from("t.md")
    }

    #[test]
    fn substitutes_and_drops_empty_lone_lines() {
        let t = Template::parse(
            &file(),
            1,
            "one {{a}} {{ a }}\n{{empty}}\n  {{multi}}\nend {{empty}}\n",
        )
        .unwrap();
        assert_eq!(t.render(&lookup).unwrap(), "one A A\n  x\ny\nend \n");
    }

    #[test]
    fn unknown_variable_reports_file_line_and_name() {
        let t = Template::parse(&file(), 10, "ok\nhello {{nope}}\n").unwrap();
        let problems = t.render(&lookup).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location(), "t.md:11");
        assert_eq!(problems[0].field.as_deref(), Some("nope"));
    }

    #[test]
    fn scoped_variable_says_why() {
        let t = Template::parse(&file(), 1, "{{scoped}}").unwrap();
        let problems = t.render(&lookup).unwrap_err();
        assert!(
            problems[0].message.contains("only in user.md"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn unterminated_and_invalid_placeholders_are_errors() {
        let problems = Template::parse(&file(), 3, "a\nb {{oops\n").unwrap_err();
        assert_eq!(problems[0].line, 4);
        let problems = Template::parse(&file(), 1, "{{ two words }}").unwrap_err();
        assert!(problems[0].message.contains("invalid placeholder"));
    }

    #[test]
    fn single_braces_are_text() {
        let t = Template::parse(&file(), 1, "to: \"{address}\"").unwrap();
        assert_eq!(t.render(&lookup).unwrap(), "to: \"{address}\"");
    }
}
