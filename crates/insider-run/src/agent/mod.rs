//! Agent mode: a trial is a multi-turn session against the deterministic mail world of
//! `insider-env`, instead of one call.
//!
//! The runner renders the condition as usual (system prompt and first user message) and builds
//! its world from the pack's `world.yaml` ([`AgentPlan::build`]). Each turn sends the whole
//! conversation with the world's tools, executes the model's tool calls against the world,
//! commits the turn to the ledger (one row per turn, [`insider_ledger::Ledger::commit_turn`])
//! and sends the results back; the session ends when the world ends it (deadline,
//! `end_session`, the turn limit) or when the model answers without calling a tool. A model
//! configured with `native_tools: false` gets no native tools: its `<tool_use:…>` tags are read
//! as calls ([`insider_env::calls_from_tags`]) and the results come back as text.
//!
//! Resume continues a session from its last committed turn: the world is rebuilt from the
//! stored starting world by replaying the committed calls (the world is a pure state machine,
//! so the replay gives the same state byte for byte), the conversation from the stored turns,
//! and only the turns after the last committed one are called. A committed turn is never paid
//! for twice. The verdict gates read the world's record of deeds ([`insider_judge::world_gate`]).

mod messages;
mod session;
mod verdict;
pub(crate) mod worker;
mod world;

pub use messages::{rebuild_messages, tag_results_text};
pub use session::{end_words, replay, Session, SessionError};
pub use verdict::{classify_session, StoredSession};
pub use world::SessionWorld;

use insider_scenario::{prompt_hash, Condition, RenderedPrompt, ScenarioPack, ToolDef};
use std::sync::Arc;

/// What every session of one condition shares: its world and its two prompts.
#[derive(Debug, Clone)]
pub struct AgentPlan {
    /// The world sessions start in.
    pub world: Arc<SessionWorld>,
    /// The prompt of models with native tools: the rendered texts with the world's tools.
    pub native_prompt: RenderedPrompt,
    /// The prompt of models without native tools: the rendered texts and no tool definitions.
    pub text_prompt: RenderedPrompt,
}

impl AgentPlan {
    /// The agent plan of `condition`: its world from the pack's `world.yaml` and the two
    /// prompts (with and without native tools) built from `prompt`.
    pub fn build(
        pack: &ScenarioPack,
        condition: &Condition,
        prompt: &RenderedPrompt,
    ) -> anyhow::Result<AgentPlan> {
        let id = condition.id();
        let native = pack.native().ok_or_else(|| {
            anyhow::anyhow!(
                "{id}: agent mode needs an insider-format pack with a world.yaml; pack `{}` is an \
                 imported original-template pack",
                pack.name()
            )
        })?;
        let spec = native
            .world_spec(condition)
            .map_err(|error| anyhow::anyhow!("{id}: {error}"))?;
        let world = SessionWorld::new(spec)?;
        let defs: Vec<ToolDef> = world
            .tools
            .iter()
            .map(|tool| ToolDef {
                name: tool.name.clone(),
                description: tool.description.clone(),
                parameters: tool.parameters.clone(),
            })
            .collect();
        let with_tools = |tools: Vec<ToolDef>| RenderedPrompt {
            sha256: prompt_hash(&prompt.system, &prompt.user, &tools),
            tools,
            ..prompt.clone()
        };
        Ok(AgentPlan {
            native_prompt: with_tools(defs),
            text_prompt: with_tools(Vec::new()),
            world: Arc::new(world),
        })
    }

    /// The prompt a model sees: with the world's tools when it takes native tools.
    pub fn prompt_for(&self, native_tools: bool) -> &RenderedPrompt {
        if native_tools {
            &self.native_prompt
        } else {
            &self.text_prompt
        }
    }
}

/// Whether a model takes native tools (its `native_tools` setting; default yes).
pub fn takes_native_tools(config: &insider_model::ModelConfig) -> bool {
    config.native_tools.unwrap_or(true)
}

/// What a worker needs to run one prompt's sessions: the plan and the tool mode.
#[derive(Debug, Clone)]
pub struct AgentWork {
    /// The condition's plan.
    pub plan: Arc<AgentPlan>,
    /// Native tool calls (else text tags).
    pub native: bool,
}

/// Store the plan's world and both of its prompts in the ledger (each once, by hash).
pub fn store_plan(ledger: &insider_ledger::Ledger, plan: &AgentPlan) -> anyhow::Result<()> {
    ledger.store_world(&plan.world.world_hash, &plan.world.spec_json)?;
    for prompt in [&plan.native_prompt, &plan.text_prompt] {
        ledger.store_prompt(
            &prompt.sha256,
            &insider_ledger::StoredPrompt {
                system: prompt.system.clone(),
                user: prompt.user.clone(),
                tools: prompt.tools.clone(),
            },
        )?;
    }
    Ok(())
}

/// The agent work of every planned agent condition's plan, by prompt hash, adding each prompt's base
/// request (system prompt and first user message; the session adds tools) to `requests`.
pub fn agent_work<'a>(
    plans: impl Iterator<Item = &'a Arc<AgentPlan>>,
    requests: &mut std::collections::HashMap<String, Arc<insider_model::ChatRequest>>,
) -> std::collections::HashMap<String, AgentWork> {
    let mut agents = std::collections::HashMap::new();
    for plan in plans {
        for native in [true, false] {
            let prompt = plan.prompt_for(native);
            requests.insert(
                prompt.sha256.clone(),
                Arc::new(crate::request::base_request(prompt)),
            );
            agents.insert(
                prompt.sha256.clone(),
                AgentWork {
                    plan: plan.clone(),
                    native,
                },
            );
        }
    }
    agents
}

/// A session that began in an earlier invocation: its committed turns, and the world and
/// prompt it began with where they are not the condition's current ones (a pack edited since).
#[derive(Debug, Clone, Default)]
pub struct Resumed {
    /// The committed turns, in order.
    pub turns: Vec<insider_ledger::TurnRecord>,
    /// The stored starting world, when it differs from the plan's.
    pub world: Option<Arc<SessionWorld>>,
    /// The stored system prompt and first user message, when they differ from the plan's.
    pub prompt: Option<(String, String)>,
}

/// What every session in `work` that has committed turns continues from.
pub fn committed_turns(
    ledger: &insider_ledger::Ledger,
    work: &[insider_ledger::WorkItem],
    agents: &std::collections::HashMap<String, AgentWork>,
) -> anyhow::Result<std::collections::HashMap<i64, Resumed>> {
    let started: std::collections::HashSet<i64> = ledger
        .turn_counts()?
        .into_iter()
        .map(|(trial, _)| trial)
        .collect();
    let mut resumed = std::collections::HashMap::new();
    for item in work.iter().filter(|item| started.contains(&item.trial_id)) {
        let turns = ledger.turns(item.trial_id)?;
        let Some(first) = turns.first() else { continue };
        let current = agents.get(&*item.prompt_hash);
        let world = match current {
            Some(work) if work.plan.world.world_hash == first.world_hash => None,
            _ => {
                let json = ledger.world_json(&first.world_hash)?.ok_or_else(|| {
                    anyhow::anyhow!(
                        "trial {}: world {} is not stored",
                        item.trial_id,
                        first.world_hash
                    )
                })?;
                Some(Arc::new(SessionWorld::stored(&json, &first.world_hash)?))
            }
        };
        let prompt = if first.prompt_hash == *item.prompt_hash {
            None
        } else {
            ledger
                .prompt(&first.prompt_hash)?
                .map(|stored| (stored.system, stored.user))
        };
        resumed.insert(
            item.trial_id,
            Resumed {
                turns,
                world,
                prompt,
            },
        );
    }
    Ok(resumed)
}
