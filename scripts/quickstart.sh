#!/usr/bin/env bash
# The main job: set up and build mtlab, then run the quickstart experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build="${MTLAB_BUILD_DIR:-build}"
exec "$build/bin/mtlab" run experiments/quickstart.toml "$@"
