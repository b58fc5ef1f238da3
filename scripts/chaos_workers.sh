#!/usr/bin/env bash
# Fault injection for workers (run by `scripts/chaos.sh --workers N`): N
# `mtlab worker` processes share one sweep on a throwaway PostgreSQL server
# (scripts/pg_local.sh) or SQLite file; at random moments a random worker is
# SIGKILLed and a new one joins (as a supervisor such as Slurm or Kubernetes
# would restart it), and once, halfway, the database server is restarted. At the
# end every queued trial must have exactly one completed run (0 lost, 0 run twice
# to completion), no metric, param or fact row may point at a missing run, and
# each trial's final metrics and metric rows must equal those of a serial sweep.
#
# Usage: scripts/chaos.sh --workers N [--kills K] [--store postgresql|sqlite] [--build DIR] [--seed S] [--keep]
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
workers=3 kills_wanted=6 store=postgresql build="${MTLAB_BUILD_DIR:-build}" seed="$(date +%s)" keep=0
while (($#)); do
  case "$1" in
    --workers) workers="${2:?--workers needs a number}"; shift 2 ;;
    --kills) kills_wanted="${2:?--kills needs a number}"; shift 2 ;;
    --store) store="${2:?--store needs postgresql or sqlite}"; shift 2 ;;
    --build) build="${2:?--build needs a folder}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chaos: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$workers$kills_wanted$seed" =~ ^[0-9]+$ && "$store" =~ ^(postgresql|sqlite)$ ]] \
  || { echo "chaos: --workers, --kills, --seed take integers; --store postgresql or sqlite" >&2; exit 2; }
[[ "$build" = /* ]] || build="$repo/$build"
mtlab="$build/bin/mtlab"
[[ -x "$mtlab" ]] || { echo "chaos: $mtlab not found: build mtlab first (scripts/setup.sh)" >&2; exit 2; }
data="${MTLAB_DATA:-${MTLAB_SHARED:-$repo/../shared}/data}"
[[ -d "$data/atis/train" ]] || { echo "chaos: $data/atis/train not found (set MTLAB_DATA)" >&2; exit 2; }
export MTLAB_DATA="$data" MTLAB_PLUGIN_PATH=

work="$(mktemp -d /tmp/chaosw.XXXX)"  # short: it holds the server's unix socket
failed=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  [[ -n "${pgdir:-}" ]] && "$repo/scripts/pg_local.sh" stop "$pgdir" && rm -rf "$pgdir"
  if ((keep || failed)); then echo "chaos: work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

spec() {  # database
  cat <<EOF2
[experiment]
name = "chaos-workers"
seed = 5
database = "$1"
output = "runs"
max_retries = 100

[backbone]
plugin = "bert"
max_length = 48

[backbone.init]
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
max_position_embeddings = 64

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "joint"
train = "\${MTLAB_DATA}/atis/train"
dev = "\${MTLAB_DATA}/atis/dev"
test = "\${MTLAB_DATA}/atis/test"
limit_train = 384
limit_dev = 64
limit_test = 64

[optimizer]
lr = 2e-3

[training]
epochs = 3
batch_size = 32
checkpoint_every = 5
eval_every = 4

[sweep]
freeze = ["none", "layers:1", "embeddings"]
seeds = [5, 6]
EOF2
}

q() { "$mtlab" query "$1" "$2" --csv | tr -d '\r' | sed 1d; }
# Per trial: completed runs, then every final metric and the count of metric rows
# of its completed run: what a serial sweep must equal.
results() {
  # (Values as columns of their own: mtlab prints a number alike from either store,
  # while SQL text concatenation rounds it differently in SQLite and PostgreSQL.)
  q "$1" "SELECT 'final' AS kind, r.trial, f.metric, f.step, f.value
            FROM final_metrics f JOIN runs r ON r.id = f.run_id WHERE r.status = 'completed'
          UNION ALL SELECT 'rows', r.trial, '', count(*), NULL FROM metrics m JOIN runs r ON r.id = m.run_id
            WHERE r.status = 'completed' GROUP BY r.trial ORDER BY 1, 2, 3"
}

# One thread for the reference and for every worker: several workers share the cores
# (a hand-started worker would take them all), and equal thread counts give equal bits.
export OMP_NUM_THREADS=1
echo "chaos: $workers workers on $store, $kills_wanted kills, seed $seed, work folder $work"
mkdir -p "$work/reference" "$work/sweep"
spec results.db > "$work/reference/exp.toml"
start_s=$SECONDS
(cd "$work/reference" && "$mtlab" run exp.toml --no-progress > run.log 2>&1) \
  || { failed=1; echo "chaos: the serial reference sweep failed" >&2; tail -n 20 "$work/reference/run.log" >&2; exit 1; }
sweep_s=$((SECONDS - start_s))
results "$work/reference/results.db" > "$work/reference/results.csv"
echo "chaos: serial reference: 6 trials in ${sweep_s} s"

if [[ "$store" == postgresql ]]; then
  # Its own folder: the server runs as an unprivileged user, who cannot enter $work (mode 700).
  pgdir="$(mktemp -d /tmp/cwpg.XXXX)"
  db="$("$repo/scripts/pg_local.sh" start "$pgdir")" || { failed=1; exit 1; }
else
  db="$work/sweep/results.db"
fi
spec "$db" > "$work/sweep/exp.toml"
(cd "$work/sweep" && "$mtlab" validate exp.toml > /dev/null) || { failed=1; echo "chaos: spec invalid" >&2; exit 1; }

n=0
start_worker() {
  ((n++))
  if ((n == 1)); then  # the first publishes the sweep; the others need only the store
    (cd "$work/sweep" && exec "$mtlab" worker exp.toml --no-progress > "worker-$n.log" 2>&1) &
  else
    (cd "$work/sweep" && exec "$mtlab" worker --db "$db" --experiment chaos-workers --no-progress > "worker-$n.log" 2>&1) &
  fi
  pids+=($!)
  ((n == 1)) && sleep 2  # let it publish before others ask for the queue
}
live() { local out=() p; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && out+=("$p"); done; echo "${out[@]}"; }

for ((i = 0; i < workers; i++)); do start_worker; done
RANDOM="$seed"
kills=0 restarts=0 restarted_server=0
deadline=$((SECONDS + 20 * sweep_s + 300))
while ((kills < kills_wanted && SECONDS < deadline)); do
  sleep "$((2 + RANDOM % 7))"
  read -r -a alive <<<"$(live)"
  ((${#alive[@]})) || break  # all done before the kills ran out
  victim="${alive[$((RANDOM % ${#alive[@]}))]}"
  kill -9 "$victim" 2>/dev/null && ((kills++)) && echo "chaos: SIGKILLed worker $victim ($kills of $kills_wanted)"
  { wait "$victim"; } 2>/dev/null  # (no "Killed" job notice)
  start_worker; ((restarts++))
  if [[ "$store" == postgresql ]] && ((!restarted_server && kills * 2 >= kills_wanted)); then
    "$repo/scripts/pg_local.sh" restart "$pgdir" > /dev/null && restarted_server=1 && echo "chaos: restarted the PostgreSQL server"
  fi
done
# The survivors finish the sweep; workers that stop on an error are restarted, as a supervisor would.
while ((SECONDS < deadline)); do
  read -r -a alive <<<"$(live)"
  ((${#alive[@]})) || break
  sleep 2
done
left="$(q "$db" "SELECT count(*) FROM trial_queue q WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = q.experiment_id AND r.trial = q.trial AND r.status IN ('completed', 'failed'))")"
if [[ "$left" != 0 ]]; then  # a worker gave up on a store error: one more finishes the rest
  echo "chaos: $left trial(s) unfinished after the workers ended; starting one more worker"
  start_worker; wait "${pids[-1]}"
fi

lost="$(q "$db" "SELECT count(*) FROM trial_queue q WHERE NOT EXISTS (SELECT 1 FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.id = q.experiment_id AND r.trial = q.trial AND r.status = 'completed')")"
twice="$(q "$db" "SELECT count(*) FROM (SELECT r.trial FROM runs r WHERE r.status = 'completed' GROUP BY r.trial HAVING count(*) > 1) AS t")"
orphans="$(q "$db" "SELECT (SELECT count(*) FROM metrics m WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = m.run_id)) + (SELECT count(*) FROM params p WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = p.run_id)) + (SELECT count(*) FROM run_facts f WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = f.run_id))")"
attempts="$(q "$db" "SELECT coalesce(max(attempt), 0) FROM runs")"
results "$db" > "$work/sweep/results.csv"
mismatch=0
diff "$work/reference/results.csv" "$work/sweep/results.csv" > "$work/diff.txt" || mismatch=1
echo "chaos: sweep with faults took $((SECONDS - start_s - sweep_s)) s (serial, no faults: ${sweep_s} s)"
echo "chaos: $kills kills, $restarts replacement workers, server restarted: $restarted_server, most attempts at one trial: $attempts"
echo "chaos: lost trials: ${lost:-?}, completed twice: ${twice:-?}, orphan rows: ${orphans:-?}, differing from the serial sweep: $mismatch"
if [[ "$lost" != 0 || "$twice" != 0 || "$orphans" != 0 || "$mismatch" != 0 ]]; then
  failed=1
  head -n 20 "$work/diff.txt" >&2
  exit 1
fi
echo "chaos: ok"
