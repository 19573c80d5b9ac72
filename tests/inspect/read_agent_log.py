"""Read an insider Inspect export of an agent-mode run with inspect_ai and report its tool use.

Usage: read_agent_log.py LOG
Prints one JSON line: tool messages (ChatMessageTool), tool events (ToolEvent), the functions
called in order and the model events; exits non-zero when a tool message or event is not of
inspect_ai's own type, or a tool message answers no call of the assistant message before it.
"""
import json
import sys

from inspect_ai.event import ModelEvent, ToolEvent
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageAssistant, ChatMessageTool

log = read_eval_log(sys.argv[1])
problems = []
if log.status != "success":
    problems.append(f"status {log.status}")
tool_messages = 0
tool_events = 0
functions = []
model_events = 0
for sample in log.samples or []:
    open_calls = set()
    for message in sample.messages:
        if isinstance(message, ChatMessageAssistant):
            open_calls = {call.id for call in (message.tool_calls or [])}
        elif message.role == "tool":
            if not isinstance(message, ChatMessageTool):
                problems.append(f"tool message read as {type(message).__name__}")
            if message.tool_call_id not in open_calls:
                problems.append(f"tool message {message.tool_call_id} answers no call")
            tool_messages += 1
    for event in sample.events:
        if isinstance(event, ToolEvent):
            tool_events += 1
            functions.append(event.function)
        elif isinstance(event, ModelEvent):
            model_events += 1
        elif event.event in ("tool", "model"):
            problems.append(f"{event.event} event read as {type(event).__name__}")
print(json.dumps({
    "tool_messages": tool_messages,
    "tool_events": tool_events,
    "tool_functions": functions,
    "model_events": model_events,
}))
if problems:
    print("problems: " + "; ".join(problems), file=sys.stderr)
    sys.exit(1)
