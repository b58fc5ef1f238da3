#!/usr/bin/env bash
# Data-parallel speed on this machine (docs/distributed.md): the same training
# steps — same global batch, same spec — run as 1 process × T threads and as
# `mtlab run --nproc 2 --threads-per-rank T/2`, alternately, REPEAT times, for a
# BERT-mini shape and (unless SHAPES says otherwise) the BERT-base shape.
# Also 1 process × 1 thread, the work one rank would do alone on the whole batch.
# Prints train() seconds per step of each run (the trial's "done in" time over
# its steps: setup and the initial broadcast included, no evaluation: no dev or
# test split) and the ratio of the medians.
# Usage: bench/distributed/bench_ddp.sh [BUILD_DIR] [REPEAT] [THREADS]
#        SHAPES="mini base" STEPS_mini=20 STEPS_base=6 BATCH=32
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "${1:-${MTLAB_BUILD_DIR:-$root/build}}" && pwd)"
repeat="${2:-3}"
threads="${3:-2}"
data="${MTLAB_DATA:-$root/../shared/data}"
batch="${BATCH:-32}"
# On a machine other work keeps busy, libgomp's spinning threads wait for a
# preempted peer at every parallel region: 2 threads ran a BERT-mini step 15×
# slower than 1 here. Passive waiting (the default of this script; set
# OMP_WAIT_POLICY=ACTIVE to see the other) measures the work instead. The ranks inherit it.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

shape() {  # hidden layers heads intermediate
  case "$1" in
    mini) echo "256 4 4 1024" ;;
    base) echo "768 12 12 3072" ;;
    *) echo "unknown shape $1" >&2; exit 2 ;;
  esac
}

spec() {  # shape steps
  read -r hidden layers heads inter <<<"$(shape "$1")"
  cat <<TOML
[experiment]
name = "ddp-bench"
database = "results.db"
output = "runs"
[backbone]
max_length = 64
[backbone.init]
hidden_size = $hidden
num_layers = $layers
num_heads = $heads
intermediate_size = $inter
max_position_embeddings = 64
dropout = 0.0
attention_dropout = 0.0
[tasks.intent]
head = "sequence_classification"
[tasks.slots]
head = "token_classification"
[data]
format = "joint"
train = "$data/atis/train"
limit_train = 2048
[training]
max_steps = $2
batch_size = $batch
save = "none"
TOML
}

# One run in a fresh folder; prints its train() seconds per step.
run_once() {  # shape steps mode
  local dir="$work/$1-$3-$RANDOM"
  mkdir -p "$dir"
  spec "$1" "$2" >"$dir/exp.toml"
  local args=()
  case "$3" in
    ranks) args=(--nproc 2 --threads-per-rank $((threads / 2))) ;;
    one) args=(--set "training.threads=$threads") ;;
    single) args=(--set "training.threads=1") ;;
  esac
  (cd "$dir" && "$build/bin/mtlab" run exp.toml --no-progress "${args[@]}" >"$dir/log" 2>&1) || {
    cat "$dir/log" >&2
    exit 1
  }
  sed -n 's/.*done in \([0-9.]*\)s, \([0-9]*\) steps.*/\1 \2/p' "$dir/log" | awk '{printf "%.4f\n", $1 / $2}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); global batch $batch; $threads threads in all; OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
for s in ${SHAPES:-mini base}; do
  steps_var="STEPS_$s"
  steps="${!steps_var:-$([[ $s == base ]] && echo 6 || echo 20)}"
  one=() two=() single=()
  for ((i = 0; i < repeat; ++i)); do
    one+=("$(run_once "$s" "$steps" one)")
    two+=("$(run_once "$s" "$steps" ranks)")
    single+=("$(run_once "$s" "$steps" single)")
  done
  m1="$(printf '%s\n' "${one[@]}" | median)"
  m2="$(printf '%s\n' "${two[@]}" | median)"
  m0="$(printf '%s\n' "${single[@]}" | median)"
  echo "$s ($steps steps): 1 process x $threads threads: ${one[*]} s/step (median $m1)"
  echo "$s ($steps steps): 2 ranks x $((threads / 2)) thread(s): ${two[*]} s/step (median $m2)"
  echo "$s ($steps steps): 1 process x 1 thread: ${single[*]} s/step (median $m0)"
  awk -v a="$m1" -v b="$m2" -v c="$m0" -v s="$s" 'BEGIN {
    printf "%s: 2 ranks over 1 process x '"$threads"' threads: %.2fx; over 1 process x 1 thread: %.2fx\n", s, a / b, c / b }'
done
