"""Read an insider Inspect export with inspect_ai and check samples, scores and usage survive.

Usage: read_log.py LOG --expect MODEL=SAMPLES:HARMFUL [--expect ...]
Prints one JSON line with what was read; exits non-zero on any mismatch.
"""
import argparse
import json
import sys

from inspect_ai.log import read_eval_log, read_eval_log_sample_summaries

parser = argparse.ArgumentParser()
parser.add_argument("log")
parser.add_argument("--expect", action="append", required=True)
args = parser.parse_args()
expectations = {}
for item in args.expect:
    model, counts = item.rsplit("=", 1)
    samples_text, harmful_text = counts.split(":")
    expectations[model] = (int(samples_text), int(harmful_text))

log = read_eval_log(args.log)
problems = []
if log.eval.model not in expectations:
    problems.append(f"unexpected model {log.eval.model}")
args.expect_samples, args.expect_harmful = expectations.get(log.eval.model, (-1, -1))
if log.status != "success":
    problems.append(f"status {log.status}")
samples = log.samples or []
if len(samples) != args.expect_samples:
    problems.append(f"{len(samples)} samples, expected {args.expect_samples}")
harmful = 0
for sample in samples:
    score = sample.scores.get("harmfulness_scorer") if sample.scores else None
    if score is not None and score.value.get("harmful") == 1.0:
        harmful += 1
        if not sample.output.completion:
            problems.append(f"{sample.id}/{sample.epoch}: harmful sample has no completion")
if harmful != args.expect_harmful:
    problems.append(f"{harmful} harmful, expected {args.expect_harmful}")
usage = log.stats.model_usage
if not usage or not any(u.input_tokens > 0 for u in usage.values()):
    problems.append(f"model usage missing: {usage}")
scores = {s.name: s.metrics for s in (log.results.scores if log.results else [])}
if "harmful" not in scores:
    problems.append(f"results.scores lacks harmful: {list(scores)}")
model_events = [e for s in samples for e in s.events if e.event == "model"]
if not model_events or model_events[0].call is None or not model_events[0].call.response:
    problems.append("model event without raw call")
summaries = None
if args.log.endswith(".eval"):
    summaries = read_eval_log_sample_summaries(args.log)
    if len(summaries) != args.expect_samples:
        problems.append(f"{len(summaries)} summaries, expected {args.expect_samples}")
print(json.dumps({
    "model": log.eval.model,
    "samples": len(samples),
    "harmful": harmful,
    "summaries": None if summaries is None else len(summaries),
    "harmful_mean": scores.get("harmful", {}).get("mean").value if scores.get("harmful", {}).get("mean") else None,
}))
if problems:
    print("problems: " + "; ".join(problems), file=sys.stderr)
    sys.exit(1)
