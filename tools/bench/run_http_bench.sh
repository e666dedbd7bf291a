#!/usr/bin/env bash
# Runs the HTTP load benchmark (docs/http_api.md, Performance): a fresh database on the test definitions,
# two admin users with tokens, `gongkai serve` on a free port, then gongkai_http_load at 1, 16 and
# 64 concurrent keep-alive clients.
#   tools/bench/run_http_bench.sh [BUILD_DIR] [extra serve options, e.g. --workers 0]
# Environment: SECONDS_PER_RUN (default 10), CLIENTS (default 1,16,64), DB_DIR (default a temp
# folder; put it on the disk you want to measure).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
shift || true
bin=$build/bin
dir=${DB_DIR:-$(mktemp -d)}
db=$dir/bench.db
rm -f "$db" "$db-wal" "$db-shm"
"$bin/gongkai" --db "$db" init --definitions "$root/tests/data/engine_definitions" >/dev/null
"$bin/gongkai" --db "$db" user add bench.a --role admin >/dev/null
"$bin/gongkai" --db "$db" user add bench.b --role admin >/dev/null
a=$("$bin/gongkai" --db "$db" token issue bench.a)
b=$("$bin/gongkai" --db "$db" token issue bench.b)
out=$dir/serve.out
"$bin/gongkai" --db "$db" serve --listen 127.0.0.1:0 --quiet "$@" >"$out" 2>"$dir/serve.err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 200); do
  port=$(grep -o 'gongkai serving http://127.0.0.1:[0-9]*' "$out" 2>/dev/null | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "serve did not start" >&2; cat "$dir/serve.err" >&2; exit 1; }
echo "gongkai serve $* on port $port, database $db ($(df -hT "$dir" | awk 'NR==2 {print $2}'))"
"$bin/gongkai_http_load" --port "$port" --token-a "$a" --token-b "$b" \
  --clients "${CLIENTS:-1,16,64}" --seconds "${SECONDS_PER_RUN:-10}"
