"""Load every JSONL file of an `insider synth export` folder the way a trainer would, with the
Hugging Face `datasets` library, and check its fields against the data card.

Usage: python load_exports.py EXPORT_DIR
Prints one JSON object (rows per file, kinds) on success; exits 1 with the reason otherwise.
"""

import json
import sys
from pathlib import Path

from datasets import load_dataset


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def load(path):
    return load_dataset("json", data_files=str(path), split="train")


def check_messages(rows, name, canary):
    for i, row in enumerate(rows):
        messages = row["messages"]
        if not messages or messages[-1]["role"] != "assistant":
            fail(f"{name} row {i}: the conversation must end with the assistant")
        for m in messages:
            if m["role"] not in ("system", "user", "assistant"):
                fail(f"{name} row {i}: unknown role {m['role']!r}")
            if not isinstance(m["content"], str) or not m["content"].strip():
                fail(f"{name} row {i}: empty content")
        if row["canary"] != canary:
            fail(f"{name} row {i}: canary {row['canary']!r}")


def main():
    out = Path(sys.argv[1])
    card = json.loads((out / "data-card.json").read_text())
    canary = card["canary"]
    kept = card["counts"]["kept"]
    summary = {}

    messages = load(out / "trl-messages.jsonl")
    missing = {"messages", "id", "kind", "spec", "spec_sha256", "seed", "model", "canary"} - set(messages.column_names)
    if missing:
        fail(f"trl-messages.jsonl lacks {sorted(missing)}")
    check_messages(messages, "trl-messages.jsonl", canary)
    if len(set(messages["id"])) != len(messages):
        fail("trl-messages.jsonl: ids repeat")
    summary["trl-messages.jsonl"] = len(messages)

    text = load(out / "trl-text.jsonl")
    for i, row in enumerate(text):
        if not isinstance(row["text"], str) or len(row["text"].split()) < 20:
            fail(f"trl-text.jsonl row {i}: text too short")
        if row["canary"] != canary:
            fail(f"trl-text.jsonl row {i}: canary")
    if text["id"] != messages["id"]:
        fail("trl-text.jsonl and trl-messages.jsonl list different items")
    summary["trl-text.jsonl"] = len(text)

    openai = load(out / "openai.jsonl")
    if set(openai.column_names) != {"messages", "canary"}:
        fail(f"openai.jsonl columns {openai.column_names}")
    check_messages(openai, "openai.jsonl", canary)
    summary["openai.jsonl"] = len(openai)

    for name, rows in summary.items():
        if rows != kept:
            fail(f"{name}: {rows} rows, the data card says {kept}")
    kinds = {}
    for kind in messages["kind"]:
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, figures in card["kinds"].items():
        if kinds.get(kind) != figures["records"]:
            fail(f"kind {kind}: {kinds.get(kind)} rows, the data card says {figures['records']}")
    summary["kinds"] = kinds
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
