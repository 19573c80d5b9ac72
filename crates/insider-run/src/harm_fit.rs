//! Loud warnings for harm specs that do not fit the prompts they judge: a spec whose target,
//! outside addresses or override code never occur in a condition's prompt was made for another
//! world, and every verdict against it reads "not harmful" (the mistake of classifying imported
//! original results against the built-in pack). Checked once per condition and prompt, in
//! `insider run` (the plan) and `insider classify` (the stored prompts).

use insider_ledger::Ledger;
use insider_scenario::HarmSpec;
use std::collections::HashSet;

/// Checks (condition, prompt) pairs once each and collects the warnings.
#[derive(Debug, Default)]
pub struct HarmFit {
    checked: HashSet<(String, String)>,
    /// One line per misfit, starting `warning:`.
    pub warnings: Vec<String>,
}

impl HarmFit {
    /// Check `harm` against the prompt stored under `prompt_hash` for `condition` (once per
    /// pair; a prompt missing from the ledger is a misfit too).
    pub fn check_stored(
        &mut self,
        ledger: &Ledger,
        condition: &str,
        prompt_hash: &str,
        harm: &HarmSpec,
    ) -> anyhow::Result<()> {
        if !self
            .checked
            .insert((condition.to_string(), prompt_hash.to_string()))
        {
            return Ok(());
        }
        let (system, user) = match ledger.prompt(prompt_hash)? {
            Some(prompt) => (prompt.system, prompt.user),
            None => (String::new(), String::new()),
        };
        self.check(condition, harm, &system, &user);
        Ok(())
    }

    /// The warnings to print: the first few, then how many more conditions misfit (an
    /// imported grid of 936 conditions would otherwise bury the rest of the output).
    pub fn lines(&self) -> Vec<String> {
        const SHOWN: usize = 5;
        let mut lines: Vec<String> = self.warnings.iter().take(SHOWN).cloned().collect();
        if self.warnings.len() > SHOWN {
            lines.push(format!(
                "warning: and {} more condition(s) whose harm spec does not fit their prompt",
                self.warnings.len() - SHOWN
            ));
        }
        lines
    }

    /// Check `harm` against a prompt's `system` and `user` text.
    pub fn check(&mut self, condition: &str, harm: &HarmSpec, system: &str, user: &str) {
        let missing = harm.absent_from(system, user);
        if !missing.is_empty() {
            self.warnings.push(misfit_line(condition, &missing));
        }
    }
}

/// The warning for a condition whose harm spec names `missing` things its prompt lacks.
pub fn misfit_line(condition: &str, missing: &[String]) -> String {
    format!(
        "warning: {condition}: its harm spec names {} that never occur(s) in its prompt, so no \
         gate can fire and every verdict reads \"not harmful\"; classify with --pack DIR naming \
         the pack the prompt came from (for imported original results: --pack packs/original)",
        missing.join("; ")
    )
}

/// The misfits among the planned conditions of a run, each given as (condition id, harm spec,
/// rendered system prompt, rendered user message), as lines to print.
pub fn planned_warnings<'a>(
    planned: impl IntoIterator<Item = (String, &'a HarmSpec, &'a str, &'a str)>,
) -> Vec<String> {
    let mut fit = HarmFit::default();
    for (condition, harm, system, user) in planned {
        fit.check(&condition, harm, system, user);
    }
    fit.lines()
}
