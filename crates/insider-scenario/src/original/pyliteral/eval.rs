//! Evaluating parsed expressions against the constants bound so far (and a comprehension's
//! loop variables), and binding values to assignment targets.

use super::lexer::StrPiece;
use super::parser::Expr;
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

/// The module's constants and the local names of a comprehension.
pub(super) type Env<'a> = (
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

/// Evaluate an expression.
pub(super) fn eval(expr: &Expr, env: Env<'_>) -> Result<PyValue, String> {
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

/// Bind a value to one name, or unpack a sequence into several.
pub(super) fn bind(
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
