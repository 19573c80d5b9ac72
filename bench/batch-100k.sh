#!/usr/bin/env bash
# Benchmark `insider run --batch`: TRIALS (default 100,000) trials of one Anthropic model sent
# as Message Batches to fakellm (every batch "in progress" for BATCH_POLLS polls), polled every
# POLL_MS, collected into the ledger and classified (gate-only).
#
# Prints a table: batches, wall time, submission time (sum over batches of record + build + send),
# polling time (last batch accepted -> first batch seen ended), collection time (sum over batches
# of reading results + committing them), insider's CPU and peak RSS (from /usr/bin/time -v) and fakellm's peak RSS (VmHWM). The phase
# times come from the ledger's `batches` table (created_at, submitted_at, results_at, ended_at).
#
# Usage: bench/batch-100k.sh [--no-build]
#   env: TRIALS=100000 (a multiple of 10), BATCH_POLLS=2, POLL_MS=1000, BENCH_PROFILE=release|debug,
#        CARGO_TARGET_DIR. Uses the release build when it exists (or is built), else says so.
set -euo pipefail
cd "$(dirname "$0")/.."

trials="${TRIALS:-100000}"
polls="${BATCH_POLLS:-2}"
poll_ms="${POLL_MS:-1000}"
target="${CARGO_TARGET_DIR:-target}"
profile="${BENCH_PROFILE:-release}"
if [ "${1:-}" != "--no-build" ]; then
  if [ "$profile" = release ]; then cargo build --release -q -p insider -p fakellm; else cargo build -q -p insider -p fakellm; fi
fi
insider="$target/$profile/insider"
fakellm="$target/$profile/fakellm"
if [ ! -x "$insider" ] || [ ! -x "$fakellm" ]; then
  echo "no $profile build of insider and fakellm in $target; using debug (numbers are much slower)" >&2
  profile=debug insider="$target/debug/insider" fakellm="$target/debug/fakellm"
fi
[ -x /usr/bin/time ] || { echo "bench/batch-100k.sh needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "bench/batch-100k.sh needs sqlite3" >&2; exit 1; }

work="$(mktemp -d)"
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$fakellm" --addr 127.0.0.1:0 --batch-polls "$polls" >"$work/fakellm.out" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do
  addr="$(sed -n 's/^listening on //p' "$work/fakellm.out" | head -n1)"
  [ -n "$addr" ] && break
  sleep 0.05
done
[ -n "${addr:-}" ] || { echo "fakellm did not start:" >&2; cat "$work/fakellm.out" >&2; exit 1; }

# 10 conditions (5 goal values × 2 urgencies) × TRIALS/10 samples.
export ANTHROPIC_BASE_URL="http://$addr" ANTHROPIC_API_KEY="bench-not-a-key" INSIDER_BATCH_POLL_MS="$poll_ms"
set +e
/usr/bin/time -v "$insider" run --model anthropic/claude-sonnet-4-20250514 --batch --yes \
  --scenario blackmail --goal-type explicit \
  --goal-value america,global,safety,acceleration,ethical --urgency replacement,restriction \
  --samples "$(( trials / 10 ))" --out "$work/run" --quiet \
  >"$work/insider.out" 2>"$work/time.txt"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "insider run failed (exit $status):" >&2
  cat "$work/insider.out" "$work/time.txt" >&2
  exit 1
fi

field() { sed -n "s/.*$1: //p" "$work/time.txt"; }
wall_raw="$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)')"
wall="$(awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }' <<<"$wall_raw")"
cpu="$(awk -v u="$(field 'User time (seconds)')" -v s="$(field 'System time (seconds)')" 'BEGIN { print u + s }')"
rss="$(awk -v k="$(field 'Maximum resident set size (kbytes)')" 'BEGIN { printf "%.0f", k / 1024 }')"
db="$work/run/ledger.sqlite"
q() { sqlite3 "$db" "$1"; }
completed="$(q "SELECT count(*) FROM trials WHERE status = 'completed'")"
batches="$(q "SELECT count(*) FROM batches")"
secs() { printf '%.2f' "$(q "SELECT coalesce($1, 0) FROM batches")"; }
jd() { echo "(julianday($1) - julianday($2)) * 86400"; }
submit="$(secs "sum($(jd submitted_at created_at))")"
polling="$(secs "$(jd 'min(results_at)' 'max(submitted_at)')")"
collect="$(secs "sum($(jd ended_at results_at))")"
fake_rss="$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$fake_pid/status")"

printf '| build | trials | completed | batches | wall (s) | submission (s) | polling (s) | collection (s) | insider CPU (s) | insider peak RSS (MB) | fakellm peak RSS (MB) |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
printf '| %s | %s | %s | %s | %.1f | %s | %s | %s | %.1f | %s | %s |\n' "$profile" "$trials" "$completed" \
  "$batches" "$wall" "$submit" "$polling" "$collect" "$cpu" "$rss" "$fake_rss"
