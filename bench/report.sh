#!/usr/bin/env bash
# Report benchmarks: `insider report` over a synthetic ledger of N trials, and the HTML report
# over M transcripts. Usage: bench/report.sh [N=1000000] [M=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
m=${2:-10000}
cargo build --release -q -p insider -p insider-report --example report_synth
bin=target/release/insider
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/report_synth "$work/big" "$n"
target/release/examples/report_synth "$work/html" "$m"
printf '| what | size | time (s) |\n|---|---|---|\n'
start=$(date +%s.%N); "$bin" report "$work/big" >/dev/null; end=$(date +%s.%N)
printf '| report, %s trials | %s ledger | %.2f |\n' "$n" "$(du -h "$work/big/ledger.sqlite" | cut -f1)" "$(echo "$end - $start" | bc)"
start=$(date +%s.%N); "$bin" report "$work/html" --html "$work/r.html" >/dev/null 2>&1; end=$(date +%s.%N)
printf '| HTML, %s transcripts | %s | %.2f |\n' "$m" "$(du -h "$work/r.html" | cut -f1)" "$(echo "$end - $start" | bc)"
