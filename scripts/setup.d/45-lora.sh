#!/usr/bin/env bash
# Python virtual environment with the `gguf` package, for the local provider's LoRA test:
# crates/insider-model/tests/local_lora.rs runs crates/insider-model/tests/lora/make_adapter.py
# with it to write a tiny adapter for SmolLM2 (no adapter is shipped or downloaded).
set -euo pipefail
cd "$(dirname "$0")/../.."
GGUF_VERSION=0.17.1
venv=.venv-lora
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "
import sys, gguf
from importlib.metadata import version
sys.exit(0 if version('gguf') == '$GGUF_VERSION' else 1)
" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv" || { apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/python" -m pip install -q --disable-pip-version-check "gguf==$GGUF_VERSION"
