#!/usr/bin/env bash
# Python virtual environment with inspect-ai (for the Inspect log conformance test:
# crates/insider/tests/report_inspect.rs runs tests/inspect/read_log.py with it) and pyarrow
# (for the Parquet conformance test: crates/insider-report/tests/export_parquet.rs runs
# tests/parquet/read_trials.py with it).
set -euo pipefail
cd "$(dirname "$0")/../.."
INSPECT_VERSION=0.3.285
PYARROW_VERSION=26.0.1
venv=.venv-inspect
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "
import sys, inspect_ai, pyarrow
sys.exit(0 if (inspect_ai.__version__, pyarrow.__version__) == ('$INSPECT_VERSION', '$PYARROW_VERSION') else 1)
" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv" || { apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  "inspect-ai==$INSPECT_VERSION" "pyarrow==$PYARROW_VERSION"
