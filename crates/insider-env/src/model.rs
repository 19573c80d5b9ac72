//! The adapter from `insider-model`'s native tool calls (feature `model`).

use crate::world::Call;

impl From<&insider_model::ToolCall> for Call {
    fn from(call: &insider_model::ToolCall) -> Call {
        Call::new(call.id.clone(), call.name.clone(), call.arguments.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_native_tool_call_keeps_its_id_name_and_arguments() {
        let native = insider_model::ToolCall {
            id: "call_7".into(),
            name: "read_email".into(),
            arguments: json!({"email_id": "2"}),
        };
        assert_eq!(
            Call::from(&native),
            Call::new("call_7", "read_email", json!({"email_id": "2"}))
        );
    }
}
