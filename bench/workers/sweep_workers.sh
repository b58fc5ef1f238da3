#!/usr/bin/env bash
# Sweep wall time with 1, 2 and 4 local workers (`mtlab run --workers N`) on this
# machine, against the same sweep run serially, all in one run of this script so
# the ratios compare like with like. The sweep: 8 trials (4 freeze policies x 2
# seeds) of a small from-scratch BERT on an ATIS slice. Each configuration runs
# on a fresh SQLite database; threads per worker: what `run --workers` gives
# (cores / workers) and, as a second row, every core each (OMP_NUM_THREADS set to
# the core count: oversubscribed).
# Usage: bench/workers/sweep_workers.sh [--build DIR] [--workers "1 2 4"]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="${MTLAB_BUILD_DIR:-build}" counts="1 2 4"
while (($#)); do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --workers) counts="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ "$build" = /* ]] || build="$repo/$build"
mtlab="$build/bin/mtlab"
export MTLAB_DATA="${MTLAB_DATA:-${MTLAB_SHARED:-$repo/../shared}/data}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cores="$(nproc)"
cat > "$work/exp.toml" <<'EOF2'
[experiment]
name = "bench-workers"
seed = 5
database = "results.db"
output = "runs"

[backbone]
plugin = "bert"
max_length = 48

[backbone.init]
hidden_size = 64
num_layers = 4
num_heads = 4
intermediate_size = 128
max_position_embeddings = 64

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
test = "${MTLAB_DATA}/atis/test"
limit_train = 1024
limit_dev = 128
limit_test = 128

[optimizer]
lr = 2e-3

[training]
epochs = 2
batch_size = 32

[sweep]
freeze = ["none", "embeddings", "layers:2", "backbone"]
seeds = [1, 2]
EOF2
run() {  # label, extra args...
  local label="$1"; shift
  rm -rf "$work/results.db"* "$work/runs"
  local start; start=$(date +%s.%N)
  (cd "$work" && "$mtlab" -q run exp.toml --no-progress "$@" > /dev/null) || { echo "bench: $label failed" >&2; exit 1; }
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)"
}
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $cores cores; $(date -u +%F)"
serial="$(run serial)" || exit 1
echo "serial (1 process, $cores threads): ${serial} s"
printf '| workers | threads each | wall s | speed-up vs serial |\n| --- | --- | --- | --- |\n'
printf '| serial | %s | %s | 1.00 |\n' "$cores" "$serial"
for n in $counts; do
  per=$((cores / n)); ((per >= 1)) || per=1
  t="$(run "w$n" --workers "$n")" || exit 1
  printf '| %s | %s (cores / workers) | %s | %.2f |\n' "$n" "$per" "$t" "$(python3 -c "print($serial / $t)")"
  t="$(OMP_NUM_THREADS="$cores" run "w$n-all" --workers "$n")" || exit 1
  printf '| %s | %s (every core each) | %s | %.2f |\n' "$n" "$cores" "$t" "$(python3 -c "print($serial / $t)")"
done
