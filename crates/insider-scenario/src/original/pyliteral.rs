//! A reader for the string constants of a Python module, without running Python.
//!
//! The original research code keeps its system prompts in a Python module: string literals
//! (single- and triple-quoted, with escapes), implicit and `+` concatenation, lists, tuples,
//! dicts, names bound earlier, tuple-unpacking assignments and one list comprehension. This
//! module tokenizes the file and evaluates exactly that subset. Any statement outside the subset
//! (imports, functions, classes) is skipped; a constant that *uses* something outside it is
//! recorded as an error and only reported if it is asked for.

use std::collections::HashMap;

/// A value the subset can produce.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// A `str`.
    Str(String),
    /// A `list` or `tuple` (the subset does not need to tell them apart).
    Seq(Vec<PyValue>),
    /// A `dict`, in insertion order (a repeated key keeps its first position, like Python).
    Dict(Vec<(PyValue, PyValue)>),
}

impl PyValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(text) => Some(text),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    /// A string literal: its pieces (f-strings may contain `{name}` fields).
    Str(Vec<StrPiece>),
    Op(&'static str),
    /// A literal the subset cannot read (e.g. an f-string with an expression), with the reason.
    BadStr(String),
    Other,
}

#[derive(Debug, Clone, PartialEq)]
enum StrPiece {
    Text(String),
    Field(String),
}

/// One logical line: its tokens, the 1-based line where it starts and its indentation column.
#[derive(Debug, Clone)]
struct Line {
    tokens: Vec<Tok>,
    line: usize,
    indent: usize,
}

/// A Python module read as data: the evaluated top-level constants and the logical lines.
#[derive(Debug)]
pub struct PyModule {
    constants: HashMap<String, Result<PyValue, String>>,
    lines: Vec<Line>,
}

const OPS: [&str; 13] = [
    "==", "!=", "=", "+", "(", ")", "[", "]", "{", "}", ",", ":", ".",
];

/// Tokenize `source` into logical lines. Errors carry the 1-based line number.
fn tokenize(source: &str) -> Result<Vec<Line>, (usize, String)> {
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

/// Expressions of the subset.
#[derive(Debug, Clone)]
enum Expr {
    Str(Vec<StrPiece>),
    Name(String),
    Add(Box<Expr>, Box<Expr>),
    Seq(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    ListComp {
        element: Box<Expr>,
        targets: Vec<String>,
        iterable: Box<Expr>,
    },
}

struct Parser<'a> {
    tokens: &'a [Tok],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_name(&mut self, name: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Name(n)) if n == name) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected `{op}`"))
        }
    }

    /// `a, b` or `(a, b)` or `a` as an assignment or loop target.
    fn targets(&mut self) -> Result<Vec<String>, String> {
        let bracket = if self.eat("(") {
            Some(")")
        } else if self.eat("[") {
            Some("]")
        } else {
            None
        };
        let mut names = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Name(name)) if name != "in" => {
                    names.push(name.clone());
                    self.pos += 1;
                }
                _ => return Err("expected a name".into()),
            }
            if !self.eat(",") {
                break;
            }
            if matches!(
                self.peek(),
                Some(Tok::Op("=")) | Some(Tok::Op(")")) | Some(Tok::Op("]"))
            ) {
                break;
            }
            if matches!(self.peek(), Some(Tok::Name(n)) if n == "in") {
                break;
            }
        }
        if let Some(close) = bracket {
            self.expect(close)?;
        }
        Ok(names)
    }

    /// An expression, possibly a bare tuple `a, b`.
    fn expr_list(&mut self) -> Result<Expr, String> {
        let first = self.expr()?;
        if !matches!(self.peek(), Some(Tok::Op(","))) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(",") {
            if self.at_sequence_end() {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Expr::Seq(items))
    }

    fn at_sequence_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some(Tok::Op(")")) | Some(Tok::Op("]")) | Some(Tok::Op("}"))
        )
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.atom()?;
        while self.eat("+") {
            let right = self.atom()?;
            left = Expr::Add(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(Tok::Str(_)) => {
                let mut pieces = Vec::new();
                while let Some(Tok::Str(more)) = self.peek() {
                    pieces.extend(more.iter().cloned());
                    self.pos += 1;
                }
                Ok(Expr::Str(pieces))
            }
            Some(Tok::BadStr(message)) => Err(message.clone()),
            Some(Tok::Name(name)) => {
                self.pos += 1;
                if matches!(
                    self.peek(),
                    Some(Tok::Op("(")) | Some(Tok::Op(".")) | Some(Tok::Op("["))
                ) {
                    return Err(format!(
                        "`{name}` is followed by a call, attribute or subscript"
                    ));
                }
                Ok(Expr::Name(name.clone()))
            }
            Some(Tok::Op("(")) => {
                self.pos += 1;
                if self.eat(")") {
                    return Ok(Expr::Seq(Vec::new()));
                }
                let inner = self.expr_list()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(Tok::Op("[")) => {
                self.pos += 1;
                if self.eat("]") {
                    return Ok(Expr::Seq(Vec::new()));
                }
                let first = self.expr()?;
                if self.eat_name("for") {
                    let targets = self.targets()?;
                    if !self.eat_name("in") {
                        return Err("expected `in`".into());
                    }
                    let iterable = self.expr()?;
                    self.expect("]")?;
                    return Ok(Expr::ListComp {
                        element: Box::new(first),
                        targets,
                        iterable: Box::new(iterable),
                    });
                }
                let mut items = vec![first];
                while self.eat(",") {
                    if self.at_sequence_end() {
                        break;
                    }
                    items.push(self.expr()?);
                }
                self.expect("]")?;
                Ok(Expr::Seq(items))
            }
            Some(Tok::Op("{")) => {
                self.pos += 1;
                let mut entries = Vec::new();
                while !self.eat("}") {
                    let key = self.expr()?;
                    self.expect(":")?;
                    let value = self.expr()?;
                    entries.push((key, value));
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                }
                Ok(Expr::Dict(entries))
            }
            _ => Err("unsupported expression".into()),
        }
    }
}

type Env<'a> = (
    &'a HashMap<String, Result<PyValue, String>>,
    &'a HashMap<String, PyValue>,
);

fn lookup(name: &str, env: Env<'_>) -> Result<PyValue, String> {
    if let Some(value) = env.1.get(name) {
        return Ok(value.clone());
    }
    match env.0.get(name) {
        Some(Ok(value)) => Ok(value.clone()),
        Some(Err(error)) => Err(format!("`{name}` could not be read: {error}")),
        None => Err(format!("name `{name}` is not defined")),
    }
}

fn eval(expr: &Expr, env: Env<'_>) -> Result<PyValue, String> {
    match expr {
        Expr::Str(pieces) => {
            let mut text = String::new();
            for piece in pieces {
                match piece {
                    StrPiece::Text(t) => text.push_str(t),
                    StrPiece::Field(name) => match lookup(name, env)? {
                        PyValue::Str(value) => text.push_str(&value),
                        _ => return Err(format!("f-string field `{name}` is not a string")),
                    },
                }
            }
            Ok(PyValue::Str(text))
        }
        Expr::Name(name) => lookup(name, env),
        Expr::Add(left, right) => match (eval(left, env)?, eval(right, env)?) {
            (PyValue::Str(mut a), PyValue::Str(b)) => {
                a.push_str(&b);
                Ok(PyValue::Str(a))
            }
            (PyValue::Seq(mut a), PyValue::Seq(b)) => {
                a.extend(b);
                Ok(PyValue::Seq(a))
            }
            _ => Err("`+` of values of different types".into()),
        },
        Expr::Seq(items) => Ok(PyValue::Seq(
            items
                .iter()
                .map(|e| eval(e, env))
                .collect::<Result<_, _>>()?,
        )),
        Expr::Dict(entries) => {
            let mut out: Vec<(PyValue, PyValue)> = Vec::new();
            for (key, value) in entries {
                let key = eval(key, env)?;
                let value = eval(value, env)?;
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => out.push((key, value)),
                }
            }
            Ok(PyValue::Dict(out))
        }
        Expr::ListComp {
            element,
            targets,
            iterable,
        } => {
            let PyValue::Seq(items) = eval(iterable, env)? else {
                return Err("list comprehension over a non-sequence".into());
            };
            let mut out = Vec::new();
            for item in items {
                let mut locals = env.1.clone();
                bind(targets, item, &mut locals)?;
                out.push(eval(element, (env.0, &locals))?);
            }
            Ok(PyValue::Seq(out))
        }
    }
}

fn bind(
    targets: &[String],
    value: PyValue,
    into: &mut HashMap<String, PyValue>,
) -> Result<(), String> {
    if targets.len() == 1 {
        into.insert(targets[0].clone(), value);
        return Ok(());
    }
    match value {
        PyValue::Seq(items) if items.len() == targets.len() => {
            for (name, item) in targets.iter().zip(items) {
                into.insert(name.clone(), item);
            }
            Ok(())
        }
        _ => Err(format!("cannot unpack into {} names", targets.len())),
    }
}

/// Parse `targets = expression` from a token slice.
fn parse_assignment(tokens: &[Tok]) -> Option<(Vec<String>, Result<Expr, String>)> {
    let mut parser = Parser { tokens, pos: 0 };
    let targets = parser.targets().ok()?;
    if !parser.eat("=") {
        return None;
    }
    let expr = parser.expr_list().and_then(|expr| {
        if parser.pos == tokens.len() {
            Ok(expr)
        } else {
            Err("unsupported expression".into())
        }
    });
    Some((targets, expr))
}

impl PyModule {
    /// Read a module's source; returns the 1-based line and message of a tokenizing error.
    pub fn parse(source: &str) -> Result<PyModule, (usize, String)> {
        let lines = tokenize(source)?;
        let mut constants: HashMap<String, Result<PyValue, String>> = HashMap::new();
        let empty = HashMap::new();
        for line in lines.iter().filter(|l| l.indent == 0) {
            let Some((targets, expr)) = parse_assignment(&line.tokens) else {
                continue;
            };
            let value = expr
                .and_then(|expr| eval(&expr, (&constants, &empty)))
                .map_err(|message| format!("line {}: {message}", line.line));
            match value {
                Ok(value) => {
                    let mut bound = HashMap::new();
                    match bind(&targets, value, &mut bound) {
                        Ok(()) => {
                            for (name, value) in bound {
                                constants.insert(name, Ok(value));
                            }
                        }
                        Err(message) => {
                            for name in &targets {
                                constants.insert(
                                    name.clone(),
                                    Err(format!("line {}: {message}", line.line)),
                                );
                            }
                        }
                    }
                }
                Err(message) => {
                    for name in &targets {
                        constants.insert(name.clone(), Err(message.clone()));
                    }
                }
            }
        }
        Ok(PyModule { constants, lines })
    }

    /// A top-level constant: `None` if never assigned, `Some(Err)` if it uses something outside
    /// the readable subset (or a name that is not defined).
    pub fn constant(&self, name: &str) -> Option<Result<&PyValue, &str>> {
        self.constants
            .get(name)
            .map(|value| value.as_ref().map_err(String::as_str))
    }

    /// The value assigned in the branch `if <variable> == "<case>":` (at any indentation): the
    /// first assignment after that test, evaluated against the module's constants.
    pub fn branch_assignment(&self, variable: &str, case: &str) -> Option<Result<PyValue, String>> {
        let test = [
            Tok::Name(variable.to_string()),
            Tok::Op("=="),
            Tok::Str(vec![StrPiece::Text(case.to_string())]),
        ];
        let position = self
            .lines
            .iter()
            .position(|line| line.tokens.windows(3).any(|w| w == test))?;
        let line = &self.lines[position];
        let empty = HashMap::new();
        // `if x == "case": y = ...` on one line.
        if let Some(colon) = line.tokens.iter().position(|t| *t == Tok::Op(":")) {
            if let Some((_, expr)) = parse_assignment(&line.tokens[colon + 1..]) {
                return Some(expr.and_then(|e| eval(&e, (&self.constants, &empty))));
            }
        }
        let next = self.lines.get(position + 1)?;
        let (_, expr) = parse_assignment(&next.tokens)?;
        Some(
            expr.and_then(|e| eval(&e, (&self.constants, &empty)))
                .map_err(|message| format!("line {}: {message}", next.line)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant(source: &str, name: &str) -> Result<PyValue, String> {
        let module = PyModule::parse(source).expect("tokenizes");
        module
            .constant(name)
            .expect("assigned")
            .cloned()
            .map_err(str::to_string)
    }

    fn text(value: Result<PyValue, String>) -> String {
        value.unwrap().as_str().unwrap().to_string()
    }

    #[test]
    fn strings_escapes_and_concatenation() {
        let source = "A = 'x\\ty'  # comment\nB = \"\"\"\\n\\nline \"q\" \\\nnext\"\"\" + A\nC = ('a' 'b'\n  \"c\")\nD = r'\\n'\n";
        assert_eq!(text(constant(source, "A")), "x\ty");
        assert_eq!(text(constant(source, "B")), "\n\nline \"q\" nextx\ty");
        assert_eq!(text(constant(source, "C")), "abc");
        assert_eq!(text(constant(source, "D")), "\\n");
    }

    #[test]
    fn comprehension_with_tuple_targets_and_unpacking() {
        let source =
            "S = '!'\nX, Y = [\n  'pre' + a + b\n  for a, b in [(S, '1'), ('?', '2')]\n]\n";
        assert_eq!(text(constant(source, "X")), "pre!1");
        assert_eq!(text(constant(source, "Y")), "pre?2");
    }

    #[test]
    fn dicts_keep_first_position_and_last_value() {
        let source = "G = {'k': {'a': 'x'}, 'm': {}, 'k': {'a': 'y'},}\n";
        let PyValue::Dict(entries) = constant(source, "G").unwrap() else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].0, PyValue::Str("k".into()));
        assert_eq!(
            entries[0].1,
            PyValue::Dict(vec![(PyValue::Str("a".into()), PyValue::Str("y".into()))])
        );
    }

    #[test]
    fn code_is_skipped_and_undefined_names_are_errors() {
        let source = "import os\nprint(f'{x[:3]}')\nE = f'{x[:3]}'\ndef f(x):\n    Z = 'inside'\n    return x\nA = f'{company_name} x'\nB = os.path\nC = 'ok'\n";
        let module = PyModule::parse(source).unwrap();
        assert!(
            module.constant("Z").is_none(),
            "function bodies are not module constants"
        );
        assert!(module
            .constant("A")
            .unwrap()
            .unwrap_err()
            .contains("company_name"));
        assert!(module.constant("B").is_some_and(|v| v.is_err()));
        assert!(module
            .constant("E")
            .unwrap()
            .unwrap_err()
            .contains("not a plain name"));
        assert_eq!(module.constant("C").unwrap().unwrap().as_str(), Some("ok"));
    }

    #[test]
    fn branch_assignment_reads_inside_functions() {
        let source = "def g(kind):\n    out = ''\n    if kind == \"dont\":\n        out = (\n            \"\\n- a\"\n            \"\\n- {name}\"\n        )\n    if kind == 'goal': out = 'G'\n";
        let module = PyModule::parse(source).unwrap();
        assert_eq!(
            text(module.branch_assignment("kind", "dont").unwrap()),
            "\n- a\n- {name}"
        );
        assert_eq!(text(module.branch_assignment("kind", "goal").unwrap()), "G");
        assert!(module.branch_assignment("kind", "other").is_none());
    }
}
