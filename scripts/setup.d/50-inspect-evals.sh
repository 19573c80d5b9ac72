#!/usr/bin/env bash
# Python virtual environment with the pinned inspect-evals package, for the compat conformance
# test (crates/insider-scenario/tests/original_conformance.rs runs
# scripts/dump_original_prompts.py with it). The original research templates are read from this
# installed package at test time; none of their text is committed here.
#
# 0.26.0 is the newest release installable from PyPI: 0.28.0 requires inspect-evals-utils==0.2.0,
# which PyPI does not have. Its agentic_misalignment templates equal 0.28.0's.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVALS_VERSION=0.26.0
venv=.venv-evals
if [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$EVALS_VERSION" <<'PY' 2>/dev/null; then
import importlib.metadata, sys
import inspect_evals.agentic_misalignment.prompt_generator  # imports inspect-ai too
sys.exit(0 if importlib.metadata.version("inspect-evals") == sys.argv[1] else 1)
PY
  exit 0
fi
python3 -m venv "$venv" || { apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/python" -m pip install -q --disable-pip-version-check "inspect-evals==$EVALS_VERSION"
