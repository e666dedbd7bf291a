#!/usr/bin/env bash
# gongkai set-up on Debian 12: installs the Debian packages the build needs (only when missing),
# configures and builds with Ninja, then runs what was asked:
#   tools/setup.sh run    the main job: `gongkai demo`, then the HTTP API service (`gongkai serve`)
#                         on the embedded default (var/gongkai.db: SQLite, shipped definitions)
#   tools/setup.sh test   every test, in four stages (docs/reliability.md):
#                         normal  gcc build in build/, the whole suite (ctest)
#                         asan    clang build in build-asan/ with AddressSanitizer, UBSan and the
#                                 libFuzzer targets; the whole suite again under the sanitizers
#                         tsan    clang build in build-tsan/ with ThreadSanitizer (the suite's
#                                 binary and the CLI only); the tests of the concurrent parts
#                         fuzz    each libFuzzer target for GONGKAI_FUZZ_SECONDS (default 30)
#                         GONGKAI_TEST_STAGES="normal asan" runs only those.
#   tools/setup.sh build  set-up and build only
# Idempotent: run it as often as you like. Needs root (or sudo) only when packages are missing.
# ccache, when installed (it is in the list), serves repeated builds.
set -euo pipefail

mode=${1:-run}
case "$mode" in run|test|build) ;; *) echo "usage: $0 run|test|build" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libsqlitecpp-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libcli11-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium fonts-wqy-microhei
  clang libclang-rt-14-dev llvm-14 ccache
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

build_dir=${GONGKAI_BUILD_DIR:-build}
setup_started=$SECONDS
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Paths inside the checkout are hashed relative to it, so another clone shares the cache.
  export CCACHE_BASEDIR="$PWD"
fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build_dir"

# The sanitizer builds: clang, -O1 with line tables (fast to build, readable reports).
sanitizer_build() {  # DIR CMAKE-OPTIONS... -- TARGETS...
  local dir=$1
  shift
  local options=()
  while [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DGONGKAI_BUILD_BENCHMARKS=OFF \
    "${launcher[@]}" "${options[@]}" >/dev/null
  if [ $# -gt 0 ]; then cmake --build "$dir" --target "$@"; else cmake --build "$dir"; fi
}

# The tests of the concurrent parts, for ThreadSanitizer: group commit, the scheduler's timers,
# the delivery worker, the HTTP server under concurrent clients, racing processes, `audit verify`'s
# reading thread.
tsan_tests='Concurrent|Race|TwoWriters|TwoWorkers|TwoTicks|Background|Scheduler|GroupCommit|CommitQueue'
tsan_tests+='|HttpRobustness|HttpShutdown|ServeTimers|HttpApi\.|AuditStream|AuditTest'

stage() {
  echo "setup: stage $1 ($(date -u +%H:%M:%S))"
}

test_stages() {
  local stages=${GONGKAI_TEST_STAGES:-normal asan tsan fuzz}
  local symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
  export ASAN_SYMBOLIZER_PATH=$symbolizer TSAN_SYMBOLIZER_PATH=$symbolizer
  export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp"
  local started=$SECONDS
  for s in $stages; do
    stage "$s"
    case "$s" in
      normal) ctest --test-dir "$build_dir" --output-on-failure -j2 ;;
      asan)
        sanitizer_build build-asan -DGONGKAI_SANITIZE=ON -DGONGKAI_FUZZ=ON --
        ctest --test-dir build-asan --output-on-failure -j2 ;;
      tsan)
        sanitizer_build build-tsan -DGONGKAI_TSAN=ON -- gongkai gongkai_tests
        ctest --test-dir build-tsan --output-on-failure -j2 -R "$tsan_tests" ;;
      fuzz) GONGKAI_FUZZ_BUILD_DIR=$root/build-asan bash tools/fuzz.sh "${GONGKAI_FUZZ_SECONDS:-30}" ;;
      *) echo "setup: unknown stage $s (normal, asan, tsan, fuzz)" >&2; exit 2 ;;
    esac
  done
  local total=$((SECONDS - setup_started)) stages_time=$((SECONDS - started))
  echo "setup: all stages passed in $((stages_time / 60)) min $((stages_time % 60)) s" \
    "($((total / 60)) min $((total % 60)) s with the first build)"
}

case "$mode" in
  run)
    # The demo first (a simulation database, var/demo.db), then the service on the embedded
    # default (var/gongkai.db, created on the shipped definitions at the first start).
    "$build_dir/bin/gongkai" demo
    listen=${GONGKAI_LISTEN:-127.0.0.1:8080}
    echo "setup: starting the HTTP API on http://$listen (docs/http_api.md); Ctrl-C stops it"
    exec "$build_dir/bin/gongkai" serve --listen "$listen" --db var/gongkai.db ;;
  test) test_stages ;;
  build) ;;
esac
