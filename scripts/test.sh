#!/usr/bin/env bash
# Sets up and builds mtlab (scripts/setup.sh), then runs the whole test suite
# through CTest. Usage: scripts/test.sh [--sanitize] [extra ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

cmake_args=()
if [[ "${1:-}" == "--sanitize" ]]; then
  shift
  export MTLAB_BUILD_DIR="${MTLAB_BUILD_DIR:-build-sanitize}"
  cmake_args+=(-DMTLAB_SANITIZE=ON -DMTLAB_BUILD_BENCH=OFF)
  # The sanitizer runtime options CMake also sets on each test; exported here
  # for setup.sh's own run of bin/mtlab and anything ctest starts.
  san_dir="$PWD/tests/sanitizers"
  while IFS= read -r line; do
    if [[ "$line" =~ ^[A-Z_]+= ]]; then export "${line//@DIR@/$san_dir}"; fi
  done < "$san_dir/options.env"
fi
# Chromium opens `mtlab report`'s pages in the browser tests (tests/report);
# the PostgreSQL store's tests start their own PostgreSQL 15 server (tests/support/postgres_server.h).
export MTLAB_TEST_PACKAGES="chromium postgresql"
scripts/setup.sh "${cmake_args[@]}"
build="${MTLAB_BUILD_DIR:-build}"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
