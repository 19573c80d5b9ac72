#!/usr/bin/env bash
# Report benchmarks: `insider report` over a synthetic ledger of N trials, and the HTML report
# over M transcripts. Usage: bench/report.sh [N=1000000] [M=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
m=${2:-10000}
cargo build --release -q -p insider --bin insider
cargo build --release -q -p insider-report --example report_synth
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/insider"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$target/release/examples/report_synth" "$work/big" "$n"
"$target/release/examples/report_synth" "$work/html" "$m"
printf '| what | size | time (s), 3 runs |\n|---|---|---|\n'
times() {
  local out=""
  for _ in 1 2 3; do
    start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N)
    out="$out $(printf '%.2f' "$(echo "$end - $start" | bc)")"
  done
  echo "$out"
}
t=$(times "$bin" report "$work/big")
printf '| report, %s trials | %s ledger |%s |\n' "$n" "$(du -h "$work/big/ledger.sqlite" | cut -f1)" "$t"
t=$(times "$bin" report "$work/html" --html "$work/r.html")
printf '| HTML, %s transcripts | %s |%s |\n' "$m" "$(du -h "$work/r.html" | cut -f1)" "$t"
