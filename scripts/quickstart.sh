#!/usr/bin/env bash
# The main job: set up and build mtlab, then run the quickstart experiment —
# first its source model (once; skipped when already recorded), then the
# freeze-scenario sweep on the transfer target. Extra arguments go to the sweep
# (e.g. --set training.epochs=2).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what it runs: mtlab and its plugins (scripts/test.sh builds the rest).
MTLAB_BUILD_TARGET=mtlab_app scripts/setup.sh
build="${MTLAB_BUILD_DIR:-build}"
echo "quickstart: training the source model (experiments/quickstart-source.toml)"
"$build/bin/mtlab" run experiments/quickstart-source.toml --no-progress
echo "quickstart: freeze-scenario sweep on the transfer target (experiments/quickstart.toml)"
exec "$build/bin/mtlab" run experiments/quickstart.toml "$@"
