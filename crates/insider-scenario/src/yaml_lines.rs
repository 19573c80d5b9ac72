//! Line numbers of keys in block-style YAML, so semantic errors can point at `file:line`.
//!
//! `serde_yaml` reports lines for syntax and shape errors only; once a file has parsed, this
//! index maps a dotted key path (`goals.america.statement`) to the line of that key.

use std::collections::HashMap;

/// Where a key sits and how its value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyLine {
    /// 1-based line of the key.
    pub line: usize,
    /// The value is a `|`/`>` block scalar, starting on the next line.
    pub block: bool,
}

/// Dotted key path → line, for the block mappings of one YAML document.
#[derive(Debug, Default, Clone)]
pub(crate) struct KeyLines {
    keys: HashMap<String, KeyLine>,
    offset: usize,
}

impl KeyLines {
    /// Index `text`, whose first line is line `1 + offset` of its file.
    pub(crate) fn index(text: &str, offset: usize) -> KeyLines {
        let mut keys = HashMap::new();
        let mut stack: Vec<(usize, String)> = Vec::new();
        let mut block_parent: Option<usize> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if let Some(parent) = block_parent {
                if trimmed.is_empty() || indent > parent {
                    continue;
                }
                block_parent = None;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('-') {
                continue;
            }
            let Some((key, rest)) = split_key(trimmed) else {
                continue;
            };
            while stack.last().is_some_and(|(depth, _)| *depth >= indent) {
                stack.pop();
            }
            stack.push((indent, key));
            let path = stack
                .iter()
                .map(|(_, key)| key.as_str())
                .collect::<Vec<_>>()
                .join(".");
            let rest = rest.trim_start();
            let block = rest.starts_with('|') || rest.starts_with('>');
            if block {
                block_parent = Some(indent);
            }
            keys.insert(
                path,
                KeyLine {
                    line: index + 1 + offset,
                    block,
                },
            );
        }
        KeyLines { keys, offset }
    }

    /// The key at `path`, if present in block style.
    pub(crate) fn get(&self, path: &str) -> Option<KeyLine> {
        self.keys.get(path).copied()
    }

    /// Line of `path`, or of its nearest indexed parent, or the document's first line.
    pub(crate) fn line(&self, path: &str) -> usize {
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
    pub(crate) fn value_line(&self, path: &str) -> usize {
        match self.get(path) {
            Some(key) if key.block => key.line + 1,
            Some(key) => key.line,
            None => self.line(path),
        }
    }
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
    fn offset_shifts_lines() {
        let index = KeyLines::index("id: x\nwhen:\n  urgency: [none]\n", 1);
        assert_eq!(index.line("when.urgency"), 4);
    }
}
