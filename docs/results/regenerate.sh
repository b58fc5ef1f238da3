#!/usr/bin/env bash
# Runs the seed experiments (trials already completed in results/seed.db are
# skipped) and regenerates the tables in docs/training-considerations.md and the
# figures in docs/results/ from that database.
#   docs/results/regenerate.sh            # MTLAB_DATA defaults to ../shared/data
set -euo pipefail
cd "$(dirname "$0")/../.."
mtlab="${MTLAB:-build/bin/mtlab}"
export MTLAB_DATA="${MTLAB_DATA:-$(cd .. && pwd)/shared/data}"
for spec in task1_embeddings task2_multitask task3_freeze task3_source task3_transfer task4_layerwise_lr; do
  "$mtlab" run "experiments/seed/${spec}.toml" --no-progress
done
python3 docs/results/render.py results/seed.db docs/results
