//! Tokenizing the subset of Python: names, string literals (with prefixes, escapes and
//! f-string fields), operators, grouped into logical lines with their indentation.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Name(String),
    /// A string literal: its pieces (f-strings may contain `{name}` fields).
    Str(Vec<StrPiece>),
    Op(&'static str),
    /// A literal the subset cannot read (e.g. an f-string with an expression), with the reason.
    BadStr(String),
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum StrPiece {
    Text(String),
    Field(String),
}

/// One logical line: its tokens, the 1-based line where it starts and its indentation column.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) tokens: Vec<Tok>,
    pub(super) line: usize,
    pub(super) indent: usize,
}

const OPS: [&str; 13] = [
    "==", "!=", "=", "+", "(", ")", "[", "]", "{", "}", ",", ":", ".",
];

/// Tokenize `source` into logical lines. Errors carry the 1-based line number.
pub(super) fn tokenize(source: &str) -> Result<Vec<Line>, (usize, String)> {
    let chars: Vec<char> = source.chars().collect();
    let mut lines = Vec::new();
    let mut current: Vec<Tok> = Vec::new();
    let mut start_line = 1;
    let mut indent = 0;
    let mut line_no = 1;
    let mut depth = 0usize;
    let mut at_line_start = true;
    let mut column = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line_no += 1;
            i += 1;
            column = 0;
            if depth == 0 {
                if !current.is_empty() {
                    lines.push(Line {
                        tokens: std::mem::take(&mut current),
                        line: start_line,
                        indent,
                    });
                }
                at_line_start = true;
            }
            continue;
        }
        if c == ' ' || c == '\t' || c == '\r' || c == '\x0c' {
            i += 1;
            column += 1;
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '\\' && chars.get(i + 1) == Some(&'\n') {
            i += 2;
            line_no += 1;
            column = 0;
            continue;
        }
        if at_line_start {
            at_line_start = false;
            start_line = line_no;
            indent = column;
        }
        // String literal, possibly with a prefix.
        let prefix_len = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let prefix: String = chars[i..i + prefix_len]
            .iter()
            .collect::<String>()
            .to_lowercase();
        let quote_at = i + prefix_len;
        let is_prefix = prefix.len() <= 2 && prefix.chars().all(|p| "rbuf".contains(p));
        if is_prefix && matches!(chars.get(quote_at), Some('\'') | Some('"')) {
            let (token, next, newlines) =
                read_string(&chars, quote_at, &prefix).map_err(|message| (line_no, message))?;
            current.push(token);
            line_no += newlines;
            i = next;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            current.push(Tok::Name(chars[i..j].iter().collect()));
            column += j - i;
            i = j;
            continue;
        }
        if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            current.push(Tok::Other);
            continue;
        }
        if let Some(op) = OPS.iter().find(|op| {
            op.chars()
                .enumerate()
                .all(|(k, oc)| chars.get(i + k) == Some(&oc))
        }) {
            match *op {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                _ => {}
            }
            current.push(Tok::Op(op));
            i += op.len();
            column += op.len();
            continue;
        }
        current.push(Tok::Other);
        i += 1;
        column += 1;
    }
    if !current.is_empty() {
        lines.push(Line {
            tokens: current,
            line: start_line,
            indent,
        });
    }
    Ok(lines)
}

/// Read a string literal whose opening quote is at `quote_at`; returns the token, the index
/// after it and how many line breaks it spans.
fn read_string(
    chars: &[char],
    quote_at: usize,
    prefix: &str,
) -> Result<(Tok, usize, usize), String> {
    let quote = chars[quote_at];
    let triple = chars.get(quote_at + 1) == Some(&quote) && chars.get(quote_at + 2) == Some(&quote);
    let raw = prefix.contains('r');
    let fstring = prefix.contains('f');
    let mut i = quote_at + if triple { 3 } else { 1 };
    let mut body = String::new();
    let mut newlines = 0;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("unterminated string literal".into());
        };
        if c == quote {
            if !triple {
                i += 1;
                break;
            }
            if chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote) {
                i += 3;
                break;
            }
        }
        if c == '\n' {
            if !triple {
                return Err("line break inside a single-quoted string literal".into());
            }
            newlines += 1;
        }
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err("unterminated string literal".into());
            };
            if next == '\n' {
                newlines += 1;
            }
            body.push(c);
            body.push(next);
            i += 2;
            continue;
        }
        body.push(c);
        i += 1;
    }
    let pieces = (|| -> Result<Vec<StrPiece>, String> {
        Ok(if fstring {
            split_fstring(&body)?
                .into_iter()
                .map(|piece| match piece {
                    StrPiece::Text(text) => unescape(&text, raw).map(StrPiece::Text),
                    field => Ok(field),
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            vec![StrPiece::Text(unescape(&body, raw)?)]
        })
    })();
    // A literal outside the subset only matters if a constant we need uses it.
    let token = match pieces {
        Ok(pieces) => Tok::Str(pieces),
        Err(message) => Tok::BadStr(message),
    };
    Ok((token, i, newlines))
}

/// Split an f-string body into literal text and `{name}` fields (`{{`/`}}` are braces).
fn split_fstring(body: &str) -> Result<Vec<StrPiece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let field: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let name = field.trim();
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!(
                        "f-string field `{{{field}}}` is not a plain name; only `{{name}}` fields can be read as data"
                    ));
                }
                pieces.push(StrPiece::Text(std::mem::take(&mut text)));
                pieces.push(StrPiece::Field(name.to_string()));
            }
            '}' => return Err("single `}` in an f-string".into()),
            _ => text.push(c),
        }
    }
    pieces.push(StrPiece::Text(text));
    Ok(pieces)
}

/// Python escape sequences of a (non-bytes) string literal.
fn unescape(body: &str, raw: bool) -> Result<String, String> {
    if raw {
        return Ok(body.to_string());
    }
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        i += 2;
        match next {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut value = next.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.get(i).and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).ok_or("bad octal escape")?);
            }
            'x' | 'u' | 'U' => {
                let width = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = chars
                    .get(i..i + width)
                    .ok_or("truncated escape")?
                    .iter()
                    .collect();
                let value = u32::from_str_radix(&digits, 16)
                    .map_err(|_| format!("bad escape `\\{next}{digits}`"))?;
                out.push(char::from_u32(value).ok_or("escape is not a character")?);
                i += width;
            }
            'N' => {
                return Err(
                    "`\\N{...}` escapes are not supported when reading the module as data".into(),
                )
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}
