#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz, docs/reliability.md) for a bounded time, two at a
# time, from its checked-in seed corpus. Fails when a target finds a crash, a sanitizer report
# or a broken invariant; the input that did it is left in BUILD/fuzz/artifacts/<target>/.
#   tools/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target (default 30), all targets by default
# Needs a build with -DGONGKAI_FUZZ=ON -DGONGKAI_SANITIZE=ON (clang), in $GONGKAI_FUZZ_BUILD_DIR
# (default build-asan; `tools/setup.sh test` makes it). New inputs go to BUILD/fuzz/corpus/<target>
# (kept between runs); the checked-in corpus is only read. A longer run, e.g. an hour each:
#   tools/fuzz.sh 3600
# Each target's last lines (executions, corpus size, coverage) go to BUILD/fuzz/<target>.log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GONGKAI_FUZZ_BUILD_DIR:-$root/build-asan}
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(definition_loader calendar command_json http_request)
parallel=${GONGKAI_FUZZ_PARALLEL:-2}

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] &&
  export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-14/bin/llvm-symbolizer}

run_one() {
  local t=$1 exe="$build/bin/fuzz_$1"
  [ -x "$exe" ] || { echo "fuzz: $exe is missing (build with -DGONGKAI_FUZZ=ON)" >&2; return 1; }
  local corpus="$build/fuzz/corpus/$t" artifacts="$build/fuzz/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts"
  local args=(-max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
              -artifact_prefix="$artifacts")
  [ -f "$root/tests/fuzz/dict/$t.dict" ] && args+=(-dict="$root/tests/fuzz/dict/$t.dict")
  [ "$t" = definition_loader ] && args+=(-max_len=65536)
  [ "$t" = http_request ] && args+=(-max_len=16384)
  if "$exe" "${args[@]}" "$corpus" "$root/tests/fuzz/corpus/$t" >"$build/fuzz/$t.log" 2>&1; then
    echo "fuzz: $t ${seconds}s: $(grep -E '^stat::number_of_executed_units' "$build/fuzz/$t.log" |
      awk '{print $2}') executions, corpus $(ls "$corpus" | wc -l) new + \
$(ls "$root/tests/fuzz/corpus/$t" | wc -l) seeds, no finding"
  else
    echo "fuzz: $t FOUND A PROBLEM (input in $artifacts); the end of $build/fuzz/$t.log:" >&2
    tail -n 60 "$build/fuzz/$t.log" >&2
    return 1
  fi
}

mkdir -p "$build/fuzz"
failed=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$parallel" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
