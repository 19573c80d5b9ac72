//! A reader for the string constants of a Python module, without running Python.
//!
//! The original research code keeps its system prompts in a Python module: string literals
//! (single- and triple-quoted, with escapes), implicit and `+` concatenation, lists, tuples,
//! dicts, names bound earlier, tuple-unpacking assignments and one list comprehension. This
//! module tokenizes the file and evaluates exactly that subset. Any statement outside the subset
//! (imports, functions, classes) is skipped; a constant that *uses* something outside it is
//! recorded as an error and only reported if it is asked for.
//!
//! [`lexer`] makes logical lines of tokens, [`parser`] turns a line into an expression,
//! [`eval`] computes its value; this file binds the module's constants in order.

mod eval;
mod lexer;
mod parser;

pub use eval::PyValue;
use eval::{bind, eval};
use lexer::{tokenize, Line, StrPiece, Tok};
use parser::parse_assignment;
use std::collections::HashMap;

/// A Python module read as data: the evaluated top-level constants and the logical lines.
#[derive(Debug)]
pub struct PyModule {
    constants: HashMap<String, Result<PyValue, String>>,
    lines: Vec<Line>,
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
