#!/usr/bin/env bash
# Installs the built gongkai into a scratch prefix, then configures, builds and runs a small
# portal program against it with find_package(gongkai). COMPILER and FLAGS (optional): the
# build's compiler and sanitizer flags, which a portal linking a sanitized library needs too.
#   run.sh BUILD_DIR PORTAL_SRC [COMPILER [FLAGS]]
set -euo pipefail
build_dir=$1
consumer_src=$2
compiler=${3:-}
flags=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$consumer_src" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  ${compiler:+-DCMAKE_CXX_COMPILER="$compiler"} -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/portal" "$work/portal.db" "$work/prefix/share/gongkai/definitions"
