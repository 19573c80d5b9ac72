//! Line numbers of keys in block-style YAML, so semantic errors can point at `file:line`.
//!
//! `serde_yaml` reports lines for syntax and shape errors only; once a file has parsed, this
//! index maps a dotted key path (`goals.america.statement`, `models.0.name` for the first item
//! of a sequence) to the line of that key. It is the one way the workspace finds a YAML key's
//! line: pack files here, experiment files in `insider-run`.
//!
//! ```
//! use insider_scenario::yaml_lines::KeyLines;
//! let lines = KeyLines::index("models:\n  - name: a\n    seed: 3\ngrader: g\n", 0);
//! assert_eq!(lines.line("models.0.seed"), 3);
//! assert_eq!(lines.first_line_of("grader"), Some(4));
//! ```

use std::collections::HashMap;

/// Where a key sits and how its value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLine {
    /// 1-based line of the key.
    pub line: usize,
    /// The value is a `|`/`>` block scalar, starting on the next line.
    pub block: bool,
}

/// Dotted key path → line, for the block mappings of one YAML document.
#[derive(Debug, Default, Clone)]
pub struct KeyLines {
    keys: HashMap<String, KeyLine>,
    offset: usize,
}

impl KeyLines {
    /// Index `text`, whose first line is line `1 + offset` of its file.
    pub fn index(text: &str, offset: usize) -> KeyLines {
        let mut keys = HashMap::new();
        // (indent, key, is a sequence item) of the open mappings and items, outermost first.
        let mut stack: Vec<(usize, String, bool)> = Vec::new();
        let mut items: HashMap<String, usize> = HashMap::new();
        let mut block_parent: Option<usize> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let mut indent = line.len() - trimmed.len();
            if let Some(parent) = block_parent {
                if trimmed.is_empty() || indent > parent {
                    continue;
                }
                block_parent = None;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let line_no = index + 1 + offset;
            let mut content = trimmed;
            if let Some(rest) = sequence_item(trimmed) {
                // A key at the item's own indent is its parent (`key:` then `- x` unindented);
                // an item at that indent is a sibling.
                while stack
                    .last()
                    .is_some_and(|(depth, _, item)| *depth > indent || (*depth == indent && *item))
                {
                    stack.pop();
                }
                let parent = join(&stack);
                let count = items.entry(parent).or_insert(0);
                stack.push((indent, count.to_string(), true));
                *count += 1;
                keys.entry(join(&stack)).or_insert(KeyLine {
                    line: line_no,
                    block: false,
                });
                indent += trimmed.len() - rest.len();
                content = rest;
            }
            let Some((key, rest)) = split_key(content) else {
                continue;
            };
            while stack.last().is_some_and(|(depth, _, _)| *depth >= indent) {
                stack.pop();
            }
            stack.push((indent, key, false));
            let rest = rest.trim_start();
            let block = rest.starts_with('|') || rest.starts_with('>');
            if block {
                block_parent = Some(indent);
            }
            keys.insert(
                join(&stack),
                KeyLine {
                    line: line_no,
                    block,
                },
            );
        }
        KeyLines { keys, offset }
    }

    /// Line of the first key named `leaf` at any depth (`grader` finds `grader` and
    /// `models.0.grader`), for messages that know a field's name but not its path.
    pub fn first_line_of(&self, leaf: &str) -> Option<usize> {
        self.keys
            .iter()
            .filter(|(path, _)| path.as_str() == leaf || path.ends_with(&format!(".{leaf}")))
            .map(|(_, key)| key.line)
            .min()
    }

    /// The key at `path`, if present in block style.
    pub fn get(&self, path: &str) -> Option<KeyLine> {
        self.keys.get(path).copied()
    }

    /// Line of `path`, or of its nearest indexed parent, or the document's first line.
    pub fn line(&self, path: &str) -> usize {
        let mut current = path;
        loop {
            if let Some(key) = self.keys.get(current) {
                return key.line;
            }
            match current.rfind('.') {
                Some(dot) => current = &current[..dot],
                None => return 1 + self.offset,
            }
        }
    }

    /// Line where the text of the scalar at `path` starts (next line for block scalars).
    pub fn value_line(&self, path: &str) -> usize {
        match self.get(path) {
            Some(key) if key.block => key.line + 1,
            Some(key) => key.line,
            None => self.line(path),
        }
    }
}

fn join(stack: &[(usize, String, bool)]) -> String {
    stack
        .iter()
        .map(|(_, key, _)| key.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// The text after a sequence item's `- ` marker (`None` when the line is not an item).
fn sequence_item(trimmed: &str) -> Option<&str> {
    if trimmed == "-" {
        return Some("");
    }
    trimmed
        .strip_prefix("- ")
        .or_else(|| trimmed.strip_prefix("-\t"))
        .map(str::trim_start)
}

fn split_key(trimmed: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(quoted) = trimmed.strip_prefix('"') {
        let end = quoted.find('"')?;
        (quoted[..end].to_string(), &quoted[end + 1..])
    } else if let Some(quoted) = trimmed.strip_prefix('\'') {
        let end = quoted.find('\'')?;
        (quoted[..end].to_string(), &quoted[end + 1..])
    } else {
        let colon = trimmed.find(':')?;
        let key = &trimmed[..colon];
        if key.contains(' ') || key.starts_with('{') || key.starts_with('[') {
            return None;
        }
        (key.to_string(), &trimmed[colon..])
    };
    let rest = rest.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    Some((key, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_skips_block_content() {
        let text = "a:\n  b: 1\n  c: |\n    d: not a key\n\n    more\n  e: 2\nf: [x]\n";
        let index = KeyLines::index(text, 0);
        assert_eq!(index.line("a.b"), 2);
        assert_eq!(index.value_line("a.c"), 4);
        assert_eq!(index.get("a.c.d"), None);
        assert_eq!(index.line("a.e"), 7);
        assert_eq!(index.line("f"), 8);
        assert_eq!(index.line("a.missing"), 1);
    }

    #[test]
    fn sequence_items_are_numbered_under_their_parent() {
        let text =
            "models:\n  - name: a\n    seed: 1\n  - b\n  -\n    name: c\nlist:\n- x\n- y: 2\n";
        let index = KeyLines::index(text, 0);
        assert_eq!(index.line("models.0"), 2);
        assert_eq!(index.line("models.0.name"), 2);
        assert_eq!(index.line("models.0.seed"), 3);
        assert_eq!(index.line("models.1"), 4);
        assert_eq!(index.line("models.2.name"), 6);
        assert_eq!(index.line("list.1.y"), 9);
        assert_eq!(index.first_line_of("name"), Some(2));
        assert_eq!(index.first_line_of("absent"), None);
    }

    #[test]
    fn offset_shifts_lines() {
        let index = KeyLines::index("id: x\nwhen:\n  urgency: [none]\n", 1);
        assert_eq!(index.line("when.urgency"), 4);
    }
}
