#!/usr/bin/env bash
# gongkai set-up on Debian 12: installs the Debian packages the build needs (only when missing),
# configures and builds with Ninja, then runs what was asked:
#   tools/setup.sh run    the main job: `gongkai demo`, then the HTTP API service (`gongkai serve`)
#                         on the embedded default (var/gongkai.db: SQLite, shipped definitions)
#   tools/setup.sh test   every test (ctest)
#   tools/setup.sh build  set-up and build only
# Idempotent: run it as often as you like. Needs root (or sudo) only when packages are missing.
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
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir"

case "$mode" in
  run)
    # The demo first (a simulation database, var/demo.db), then the service on the embedded
    # default (var/gongkai.db, created on the shipped definitions at the first start).
    "$build_dir/bin/gongkai" demo
    listen=${GONGKAI_LISTEN:-127.0.0.1:8080}
    echo "setup: starting the HTTP API on http://$listen (docs/http_api.md); Ctrl-C stops it"
    exec "$build_dir/bin/gongkai" serve --listen "$listen" --db var/gongkai.db ;;
  test) ctest --test-dir "$build_dir" --output-on-failure -j2 ;;
  build) ;;
esac
