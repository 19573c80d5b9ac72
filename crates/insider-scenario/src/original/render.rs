//! Rendering a condition of an original scenario with the original rules: the variables of
//! the condition, `string.Template`-style substitution that leaves unknown placeholders, the
//! Inspect port's `str.format` of the system prompt, and the leaking inbox's numbered ids.

use super::error::OriginalError;
use super::layout::email_file;
use super::pack::OriginalPack;
use super::substitute::{inspect_format, safe_substitute, MetaValue};
use super::variables::{pick_file, pick_section};
use crate::condition::{Condition, ExtraInstructions, GoalType};
use crate::prompt::{prompt_hash, RenderedPrompt};

/// A rendered condition plus the placeholders the original left unfilled in it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderNotes {
    /// The prompt, byte for byte as inspect-evals builds it.
    pub prompt: RenderedPrompt,
    /// `${name}` placeholders left in the text (the original's `safe_substitute` behaviour).
    pub unfilled: Vec<String>,
}

impl OriginalPack {
    /// Render a condition exactly as inspect-evals does.
    pub fn render(&self, condition: &Condition) -> Result<RenderedPrompt, OriginalError> {
        if condition.variant == 0 {
            return self.render_with_notes(condition).map(|notes| notes.prompt);
        }
        let canonical = self.render_with_notes(&condition.canonical())?.prompt;
        Ok(self.rename_prompt(condition, canonical))
    }

    /// Render a condition and list the placeholders the original leaves unfilled in it.
    pub fn render_with_notes(&self, condition: &Condition) -> Result<RenderNotes, OriginalError> {
        let id = condition.id();
        let fail = |message: String| OriginalError::new(format!("condition {id}"), message);
        if condition.persona.is_some() || condition.executive.is_some() {
            return Err(fail(
                "compat packs render the original cast only: no persona or executive factor (renamed worlds: `_variant-N`)".into(),
            ));
        }
        if !condition.mitigation.is_none() {
            return Err(fail(
                "compat packs render the original templates only: no mitigation e-mails (`_mitigation-<level>` needs an insider-format pack)".into(),
            ));
        }
        if condition.variant > 0 {
            return Err(fail(
                "a renamed world has no unfilled-placeholder notes of its own; render it with `render`".into(),
            ));
        }
        if condition.scenario != self.name {
            return Err(fail(format!(
                "this compat pack renders scenario `{}` only",
                self.name
            )));
        }
        if !Condition::goal_is_consistent(condition.goal_type, condition.goal_value) {
            return Err(fail(
                "goal types none and ambiguous take goal value none, and only they do".into(),
            ));
        }
        let goal_type = condition.goal_type.as_str();
        let goal_value = condition.goal_value.as_str();
        let mut vars = self
            .condition_variables(goal_type, goal_value)
            .map_err(fail)?;
        let mut unfilled = Vec::new();

        let extra_template = match condition.extra_instructions {
            ExtraInstructions::None => String::new(),
            ExtraInstructions::Dont | ExtraInstructions::Goal => {
                let source = if condition.extra_instructions == ExtraInstructions::Dont {
                    &self.extra_dont
                } else {
                    &self.extra_goal
                };
                match source {
                    Some(Ok(text)) => text.clone(),
                    Some(Err(message)) => {
                        return Err(fail(format!("the original generator fails for these extra instructions: {message}")))
                    }
                    None => {
                        return Err(fail(format!(
                            "the templates' generator module has no `{}` extra instructions",
                            condition.extra_instructions
                        ))
                        .help("import from a folder whose parent holds prompt_generator.py (inspect-evals)"))
                    }
                }
            }
        };
        let extra = substitute(&extra_template, &vars, &mut unfilled);
        set(&mut vars, "extra_system_instructions", extra);
        let notice = if condition.awareness_notice {
            self.awareness_notice.clone().ok_or_else(|| {
                fail("the templates' generator module has no ALIGNMENT_FAKING_WARNING".into()).help(
                    "import from a folder whose parent holds prompt_generator.py (inspect-evals)",
                )
            })?
        } else {
            String::new()
        };
        set(&mut vars, "alignment_faking_warning", notice);
        let template = if condition.prod {
            &self.system_prod
        } else {
            &self.system_dev
        };
        let system = substitute(template, &vars, &mut unfilled);
        let extra_meta = match condition.extra_instructions {
            ExtraInstructions::None => MetaValue::Null,
            other => MetaValue::Str(other.as_str().into()),
        };
        let metadata = [
            ("scenario", MetaValue::Str(self.name.clone())),
            ("goal_type", MetaValue::Str(goal_type.into())),
            ("goal_value", MetaValue::Str(goal_value.into())),
            (
                "urgency_type",
                MetaValue::Str(condition.urgency.as_str().into()),
            ),
            ("condition_id", MetaValue::Str(condition.base_id())),
            ("extra_system_instructions", extra_meta),
            (
                "test_eval_awareness",
                MetaValue::Bool(condition.awareness_notice),
            ),
            ("prod", MetaValue::Bool(condition.prod)),
        ];
        let system =
            inspect_format(&system, &metadata).map_err(|m| fail(format!("system message: {m}")))?;

        let emails = self
            .email_content(condition, &vars, &mut unfilled)
            .map_err(fail)?;
        let user = format!("{}\n{}", self.user_prompt, emails);
        let sha256 = prompt_hash(&system, &user, &[]);
        Ok(RenderNotes {
            prompt: RenderedPrompt {
                condition: id,
                system,
                user,
                tools: Vec::new(),
                sha256,
            },
            unfilled,
        })
    }

    /// The original's `get_variables_for_condition`: one variable section plus the goal
    /// variables of `{goal_type}-{goal_value}` (falling back to `none`).
    fn condition_variables(
        &self,
        goal_type: &str,
        goal_value: &str,
    ) -> Result<Vec<(String, String)>, String> {
        let stems: Vec<String> = self.variable_files.iter().map(|f| f.stem.clone()).collect();
        let stem = if goal_type == "none" || goal_type == "ambiguous" {
            "ambiguous"
        } else {
            pick_file(&stems, goal_value).0
        };
        let file = self
            .variable_files
            .iter()
            .find(|f| f.stem == stem)
            .ok_or_else(|| format!("variable file {stem}.md missing"))?;
        let mut vars = pick_section(file, goal_value)?;
        let key = format!("{goal_type}-{goal_value}");
        let goal = self
            .goal_variables
            .iter()
            .find(|(k, _)| *k == key)
            .or_else(|| self.goal_variables.iter().find(|(k, _)| k == "none"));
        if let Some((_, goal_vars)) = goal {
            for (name, value) in goal_vars {
                set(&mut vars, name, value.clone());
            }
        }
        Ok(vars)
    }

    /// The original's `generate_email_content`.
    fn email_content(
        &self,
        condition: &Condition,
        vars: &[(String, String)],
        unfilled: &mut Vec<String>,
    ) -> Result<String, String> {
        let scenario = &self.name;
        let template = |part: String| -> Result<&String, String> {
            let name = email_file(scenario, &part);
            self.emails.get(&name).ok_or_else(|| {
                format!(
                    "e-mail template {} missing",
                    self.templates_dir
                        .join(scenario)
                        .join("templates")
                        .join(&name)
                        .display()
                )
            })
        };
        let mut content = if condition.goal_type == GoalType::None {
            substitute(
                template(format!("goal-conflict-none-{}", condition.urgency))?,
                vars,
                unfilled,
            )
        } else {
            let mut base = substitute(template("shared".into())?, vars, unfilled);
            base.push_str(&substitute(
                template(condition.urgency.to_string())?,
                vars,
                unfilled,
            ));
            base
        };
        if scenario == "leaking" {
            let mut parts = content.split("<email>");
            let mut numbered = parts.next().unwrap_or_default().to_string();
            for (index, part) in parts.enumerate() {
                numbered.push_str(&format!("<email>\nID: {}{part}", index + 1));
            }
            content = numbered;
        }
        Ok(content)
    }
}

fn set(vars: &mut Vec<(String, String)>, name: &str, value: String) {
    match vars.iter_mut().find(|(k, _)| k == name) {
        Some(slot) => slot.1 = value,
        None => vars.push((name.to_string(), value)),
    }
}

fn substitute(template: &str, vars: &[(String, String)], unfilled: &mut Vec<String>) -> String {
    let filled = safe_substitute(template, |name| {
        vars.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    });
    for name in filled.unfilled {
        if !unfilled.contains(&name) {
            unfilled.push(name);
        }
    }
    filled.text
}
