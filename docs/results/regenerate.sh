#!/usr/bin/env bash
# Runs the seed experiments (trials already completed in results/seed.db are
# skipped) and the quality recipes (experiments/recipes/run.sh: masked-LM
# pretraining, ATIS and SNIPS fine-tuning, the seed's tasks from the pretrained
# encoder; results/recipes.db), then regenerates from those databases the tables
# in docs/training-considerations.md and docs/recipes.md (render.py) and the
# figures, PNGs of mtlab report's charts drawn by headless Chromium
# (render_figures.sh; needs chromium).
#   docs/results/regenerate.sh            # MTLAB_DATA defaults to ../shared/data
set -euo pipefail
cd "$(dirname "$0")/../.."
export MTLAB="${MTLAB:-build/bin/mtlab}"
mtlab="$MTLAB"
export MTLAB_DATA="${MTLAB_DATA:-$(cd .. && pwd)/shared/data}"
# The figures need headless Chromium: say so now, not after the experiments.
if [[ -z ${MTLAB_CHROMIUM:-} ]] && ! command -v chromium chromium-browser google-chrome > /dev/null; then
  echo "regenerate: headless Chromium draws the figures and is not installed (apt-get install chromium, or set MTLAB_CHROMIUM)" >&2
  exit 1
fi
for spec in task1_embeddings task2_multitask task3_freeze task3_source task3_transfer task4_layerwise_lr; do
  "$mtlab" run "experiments/seed/${spec}.toml" --no-progress
done
experiments/recipes/run.sh
python3 docs/results/render.py results/seed.db docs/results results/recipes.db
docs/results/render_figures.sh results/seed.db docs/results
