#!/usr/bin/env bash
# The quality recipes of docs/recipes.md, end to end: pretrain one encoder by
# masked-LM on the ATIS and SNIPS training text, fine-tune it on ATIS and on
# SNIPS (3 seeds each) and, as an ablation, on ATIS from scratch, and rerun the seed's tasks 1, 3 and 4 from it
# (experiments/seed/pretrained/). Trials already completed in
# results/recipes.db are skipped, so a rerun only does what is missing.
#   experiments/recipes/run.sh            # MTLAB_DATA defaults to ../shared/data
# The seeds of a sweep run in two one-thread worker processes (about 1.2x a
# serial sweep on 2 cores, docs/distributed.md); MTLAB_WORKERS=1 runs them in turn.
set -euo pipefail
# A relative MTLAB_DATA is relative to the folder this was started from.
data="${MTLAB_DATA:-$(dirname "$0")/../../../shared/data}"
[[ -d "$data" ]] || { echo "run.sh: MTLAB_DATA: '$data' is not a folder" >&2; exit 1; }
export MTLAB_DATA="$(cd "$data" && pwd)"
cd "$(dirname "$0")/../.."
mtlab="${MTLAB:-build/bin/mtlab}"
workers="${MTLAB_WORKERS:-2}"
run() { "$mtlab" run "$@" --no-progress; }
sweep() { if [[ $workers -gt 1 ]]; then run "$1" --workers "$workers"; else run "$1"; fi; }

run experiments/recipes/pretrain_mlm.toml
sweep experiments/recipes/finetune_atis.toml
sweep experiments/recipes/finetune_snips.toml
sweep experiments/recipes/ablation_atis_scratch.toml
run experiments/seed/pretrained/task1_embeddings.toml
for spec in task3_freeze task3_source task3_transfer task4_layerwise_lr; do
  sweep "experiments/seed/pretrained/${spec}.toml"
done
