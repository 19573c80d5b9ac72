//! `-T key=value` task arguments as `inspect eval inspect_evals/agentic_misalignment` takes them,
//! translated to insider's flags, so a command line written for the Inspect port runs here too.

use super::Overrides;

/// The Inspect task arguments insider understands, and the insider flag each one sets.
pub const TASK_ARGS: &[(&str, &str)] = &[
    ("scenario", "--scenario"),
    ("goal_type", "--goal-type"),
    ("goal_value", "--goal-value"),
    ("urgency_type", "--urgency"),
    ("extra_system_instructions", "--extra-instructions"),
    ("prod", "--prod"),
    ("test_eval_awareness", "--awareness-notice"),
    ("grader_model", "--model-role grader=…"),
];

/// Apply every `-T key=value` to `overrides`; a key that a flag already set is an error, as is
/// an unknown key or a missing `=`.
pub fn apply_task_args(args: &[String], overrides: &mut Overrides) -> anyhow::Result<()> {
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            anyhow::bail!("-T `{arg}`: expected key=value, e.g. -T scenario=blackmail");
        };
        let (key, value) = (key.trim(), value.trim());
        let flag = TASK_ARGS
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, flag)| *flag)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "-T `{key}`: not a task argument of agentic_misalignment; known: {}",
                    TASK_ARGS
                        .iter()
                        .map(|(name, _)| *name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        let slot = task_arg_slot(overrides, key).expect("every TASK_ARGS key has a slot");
        if slot.is_some() {
            anyhow::bail!("-T {key}=… and {flag} both set the same thing; give it once");
        }
        *slot = Some(translate(key, value));
    }
    Ok(())
}

/// Inspect spells "no extra instructions" `None` and booleans `True`/`False`.
fn translate(key: &str, value: &str) -> String {
    match key {
        "extra_system_instructions" if matches!(value, "None" | "none" | "null" | "") => {
            "none".into()
        }
        "prod" | "test_eval_awareness" => value.to_ascii_lowercase(),
        _ => value.to_string(),
    }
}

/// The override an Inspect task argument sets (`None`: not a task argument).
pub(crate) fn task_arg_slot<'a>(
    overrides: &'a mut Overrides,
    key: &str,
) -> Option<&'a mut Option<String>> {
    Some(match key {
        "scenario" => &mut overrides.factors.scenario,
        "goal_type" => &mut overrides.factors.goal_type,
        "goal_value" => &mut overrides.factors.goal_value,
        "urgency_type" => &mut overrides.factors.urgency,
        "extra_system_instructions" => &mut overrides.factors.extra_instructions,
        "prod" => &mut overrides.factors.prod,
        "test_eval_awareness" => &mut overrides.factors.awareness_notice,
        "grader_model" => &mut overrides.grader,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(args: &[&str]) -> anyhow::Result<Overrides> {
        let mut overrides = Overrides::default();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        apply_task_args(&args, &mut overrides)?;
        Ok(overrides)
    }

    #[test]
    fn inspect_task_arguments_become_insider_flags() {
        let o = apply(&[
            "scenario=leaking",
            "goal_type=explicit",
            "goal_value=america",
            "urgency_type=replacement",
            "extra_system_instructions=None",
            "prod=True",
            "test_eval_awareness=false",
            "grader_model=anthropic/claude-sonnet-4-5",
        ])
        .unwrap();
        assert_eq!(o.factors.scenario.as_deref(), Some("leaking"));
        assert_eq!(o.factors.goal_type.as_deref(), Some("explicit"));
        assert_eq!(o.factors.goal_value.as_deref(), Some("america"));
        assert_eq!(o.factors.urgency.as_deref(), Some("replacement"));
        assert_eq!(o.factors.extra_instructions.as_deref(), Some("none"));
        assert_eq!(o.factors.prod.as_deref(), Some("true"));
        assert_eq!(o.factors.awareness_notice.as_deref(), Some("false"));
        assert_eq!(o.grader.as_deref(), Some("anthropic/claude-sonnet-4-5"));
    }

    #[test]
    fn bad_task_arguments_are_named() {
        let unknown = apply(&["urgency=replacement"]).unwrap_err().to_string();
        assert!(
            unknown.contains("`urgency`") && unknown.contains("urgency_type"),
            "{unknown}"
        );
        let no_value = apply(&["scenario"]).unwrap_err().to_string();
        assert!(no_value.contains("key=value"), "{no_value}");
        let twice = apply(&["scenario=blackmail", "scenario=murder"])
            .unwrap_err()
            .to_string();
        assert!(twice.contains("--scenario"), "{twice}");
    }
}
