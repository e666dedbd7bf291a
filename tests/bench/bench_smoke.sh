#!/usr/bin/env bash
# Runs gongkai-bench with tiny sizes and checks that every measurement of a full run is printed
# (no figure is judged: performance lives in docs/performance.md, not in tests), that the
# single-measurement modes work, and that bad usage exits 2.
#   bench_smoke.sh GONGKAI_BENCH
set -euo pipefail
bench=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "bench smoke: $*" >&2; exit 1; }

out=$("$bench" --dir "$work/run" --seconds 0.2 --open-items 300 --verify-events 600)
for line in "raw SQLite, 1 row per transaction" "raw SQLite, 64 rows per transaction" \
    "storage alone, 1 command per transaction" "storage alone, 64 commands per transaction" \
    "engine, durable commands, 1 callers" "engine, durable commands, 8 callers" \
    "engine, durable commands, 64 callers" "latency (call to acknowledgment)" \
    "state machine per event (MSM)" "audit verify" "replay of one item" \
    "creating items with deadlines, 64 callers" "start-up with 300 open items" \
    "start-up with no items" "memory per open item" "database size"; do
  grep -qF -- "$line" <<<"$out" || fail "no line '$line' in:"$'\n'"$out"
done
[ "$(grep -c 'latency (call to acknowledgment)' <<<"$out")" = 3 ] || fail "not 3 latency lines"
grep -q "ready_s=[0-9.e-]* rss_kb=[1-9][0-9]* late_ms=" <<<"$out" || fail "no start-up probe figures"
grep -q "audit verify .* events/s ([1-9][0-9]* events of.*median of 5 runs" <<<"$out" ||
  fail "verify read no events, or not five times"

one=$("$bench" --engine-only 2 --dir "$work/one" --seconds 0.2)
grep -q "engine, durable commands, 2 callers: [1-9][0-9]* /s .* p99" <<<"$one" || fail "engine-only: $one"
storage=$("$bench" --storage-only 4 --dir "$work/storage" --seconds 0.2)
grep -q "storage alone, 4 commands per transaction: [1-9][0-9]* /s" <<<"$storage" || fail "storage-only: $storage"
single=$("$bench" --single-caller --dir "$work/single" --seconds 0.3 --rounds 1)
grep -q "1 caller: raw [1-9][0-9]* /s, storage alone [1-9][0-9]* /s (.*% of raw), engine [1-9][0-9]* /s" \
  <<<"$single" || fail "single-caller: $single"
again=$("$bench" --verify-only "$work/run/verify.db" --repeat 2)
[ "$(grep -c '^audit verify' <<<"$again")" = 2 ] || fail "verify-only: $again"

if "$bench" --no-such-option >"$work/usage.out" 2>&1; then fail "bad usage exited 0"; fi
"$bench" --no-such-option >/dev/null 2>&1 || [ $? = 2 ] || fail "bad usage did not exit 2"
grep -q "usage: gongkai-bench" "$work/usage.out" || fail "no usage text"
if "$bench" --verify-only "$work/missing.db" >/dev/null 2>&1; then fail "a missing database verified"; fi
echo "bench smoke: ok"
