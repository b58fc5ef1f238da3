#!/usr/bin/env bash
# Measures what experiment.isolation = "process" costs per trial: the same
# sweep of small trials (a tiny BERT on an ATIS slice, 1 epoch each) run in the
# runner's process and in one child process per trial, alternately, REPEAT times.
# Usage: bench/isolation_overhead.sh [BUILD_DIR] [TRIALS] [REPEAT]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-${MTLAB_BUILD_DIR:-$root/build}}" && pwd)"
trials="${2:-6}"
repeat="${3:-3}"
data="${MTLAB_DATA:-$root/../shared/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seeds="$(seq -s, 1 "$trials")"
cat > "$work/exp.toml" <<TOML
[experiment]
name = "isolation-overhead"
database = "results.db"
output = "runs"
[backbone.init]
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
max_position_embeddings = 64
[backbone]
max_length = 48
[tasks.intent]
head = "sequence_classification"
[tasks.slots]
head = "token_classification"
[data]
format = "joint"
train = "$data/atis/train"
dev = "$data/atis/dev"
test = "$data/atis/test"
limit_train = 256
limit_dev = 64
limit_test = 64
[training]
epochs = 1
batch_size = 32
[sweep]
seeds = [$seeds]
TOML
time_run() {  # prints the wall seconds of one whole sweep
  rm -rf "$work/results.db"* "$work/runs"
  local start end
  start=$(date +%s.%N)
  (cd "$work" && "$build/bin/mtlab" -q run exp.toml --no-progress --set "experiment.isolation=\"$1\"" >/dev/null)
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
echo "sweep of $trials trials, $repeat repetitions, $(nproc) cores, $(date -u +%FT%TZ)"
sum_none=0; sum_proc=0
for ((i = 1; i <= repeat; ++i)); do
  a=$(time_run none); b=$(time_run process)
  printf "  run %d: in-process %.2f s, isolated %.2f s\n" "$i" "$a" "$b"
  sum_none=$(echo "$sum_none + $a" | bc -l); sum_proc=$(echo "$sum_proc + $b" | bc -l)
done
per_none=$(echo "$sum_none / ($repeat * $trials)" | bc -l)
per_proc=$(echo "$sum_proc / ($repeat * $trials)" | bc -l)
printf "per trial: in-process %.3f s, isolated %.3f s, overhead %.3f s per trial (%.1f%%)\n" \
  "$per_none" "$per_proc" "$(echo "$per_proc - $per_none" | bc -l)" "$(echo "100 * ($per_proc - $per_none) / $per_none" | bc -l)"
