#!/usr/bin/env bash
# Python virtual environment with Hugging Face `datasets`, for the training-data export test:
# crates/insider/tests/synth_cli.rs runs crates/insider/tests/synth/load_exports.py with it to
# load every file `insider synth` exports the way a trainer would (`load_dataset("json", ...)`).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATASETS_VERSION=5.2.0
venv=.venv-datasets
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "
import sys
from importlib.metadata import version
sys.exit(0 if version('datasets') == '$DATASETS_VERSION' else 1)
" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv" || { apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/python" -m pip install -q --disable-pip-version-check "datasets==$DATASETS_VERSION"
