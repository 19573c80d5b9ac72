#!/usr/bin/env bash
# Prerequisites of bench/compare-inspect and its smoke test (crates/insider/tests/bench_smoke.rs):
# python3 and GNU time. The Inspect side of the benchmark makes its own venv when run.
set -euo pipefail
need=()
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi
