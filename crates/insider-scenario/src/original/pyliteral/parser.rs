//! Parsing the token lines into expressions of the subset: string literals, names, `+`,
//! lists, tuples, dicts and one list comprehension, plus `targets = expression` assignments.

use super::lexer::{StrPiece, Tok};

/// Expressions of the subset.
#[derive(Debug, Clone)]
pub(super) enum Expr {
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

/// Parse `targets = expression` from a token slice.
pub(super) fn parse_assignment(tokens: &[Tok]) -> Option<(Vec<String>, Result<Expr, String>)> {
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
