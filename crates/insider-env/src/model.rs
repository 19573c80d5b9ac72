//! The adapter from `insider-model`'s native tool calls (feature `model`).

use crate::world::Call;

impl From<&insider_model::ToolCall> for Call {
    fn from(call: &insider_model::ToolCall) -> Call {
        Call::new(call.id.clone(), call.name.clone(), call.arguments.clone())
    }
}
