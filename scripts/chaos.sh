#!/usr/bin/env bash
# Fault injection: SIGKILLs `mtlab run --resume` at random moments of a small
# multi-trial sweep, many times over, and checks after every kill that
#   - the database passes PRAGMA integrity_check and foreign_key_check,
#   - every run that was completed before the kill has byte-identical rows
#     (runs, params, metrics, run_facts, artifacts, plugins) after it,
# and, whenever a resume finishes the sweep, that the completed runs' metrics
# (final_metrics and every metric row) equal those of an uninterrupted sweep
# with the same seeds; then the next round starts on a fresh database.
#
# Usage: scripts/chaos.sh [--kills N] [--build DIR] [--seed S] [--keep]
#        scripts/chaos.sh --workers N [...]: kills workers instead (scripts/chaos_workers.sh)
#   --kills N   SIGKILLs to deliver (default 20)
#   --build DIR build tree holding bin/mtlab (default $MTLAB_BUILD_DIR or build)
#   --seed S    seed of the kill moments (bash $RANDOM; default: from the clock)
#   --keep      keep the work folder (it is always kept after a failure)
# Data: ${MTLAB_DATA:-${MTLAB_SHARED:-<repo>/../shared}/data}/atis. Exit code 0 only when nothing failed.
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
for a in "$@"; do [[ "$a" == --workers ]] && exec "$repo/scripts/chaos_workers.sh" "$@"; done
kills_wanted=20
build="${MTLAB_BUILD_DIR:-build}"
seed="$(date +%s)"
keep=0
while (($#)); do
  case "$1" in
    --kills) kills_wanted="${2:?--kills needs a number}"; shift 2 ;;
    --build) build="${2:?--build needs a folder}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a number}"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chaos: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$kills_wanted" =~ ^[0-9]+$ && "$seed" =~ ^[0-9]+$ ]] || { echo "chaos: --kills and --seed take integers" >&2; exit 2; }
[[ "$build" = /* ]] || build="$repo/$build"
mtlab="$build/bin/mtlab"
[[ -x "$mtlab" ]] || { echo "chaos: $mtlab not found: build mtlab first (scripts/setup.sh)" >&2; exit 2; }
data="${MTLAB_DATA:-${MTLAB_SHARED:-$repo/../shared}/data}"
[[ -d "$data/atis/train" ]] || { echo "chaos: $data/atis/train not found (set MTLAB_DATA)" >&2; exit 2; }
export MTLAB_DATA="$data" MTLAB_PLUGIN_PATH=

work="$(mktemp -d "${TMPDIR:-/tmp}/mtlab-chaos.XXXXXX")"
failed=0
cleanup() {
  if ((keep || failed)); then echo "chaos: work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Four trials (two freeze policies x two seeds) of a tiny from-scratch BERT on an
# ATIS slice: 36 optimizer steps each, a resume checkpoint every 5 steps.
spec() {
  cat <<'EOF'
[experiment]
name = "chaos"
seed = 5
database = "results.db"
output = "runs"

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
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
test = "${MTLAB_DATA}/atis/test"
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
log_every = 3

[sweep]
freeze = ["none", "layers:1"]
seeds = [5, 6]
EOF
}

ms_now() { echo $(($(date +%s%N) / 1000000)); }
q() { "$mtlab" query "$1" "$2" --csv | tr -d '\r' | sed 1d; }  # rows only, without the header

# Every row of the completed runs in runs, params, metrics, run_facts, artifacts
# and plugins, one line per row: "run_id,table,hex(every column quoted)". One
# query (each mtlab start costs most of a second); columns are read from the schema.
dump_sql=""
make_dump_sql() {  # db
  local table run_column columns
  for table in runs params metrics run_facts artifacts plugins; do
    run_column=run_id; [[ "$table" == runs ]] && run_column=id
    columns="$(q "$1" "SELECT group_concat('quote(' || name || ')', '||char(124)||') FROM pragma_table_info('$table')")"
    [[ -n "$columns" ]] || return 1
    dump_sql+="${dump_sql:+ UNION ALL }SELECT $run_column, '$table', hex($columns) FROM $table"
    dump_sql+=" WHERE $run_column IN (SELECT id FROM runs WHERE status = 'completed')"
  done
  dump_sql+=" ORDER BY 1, 2, 3"
}
dump_completed() { q "$1" "$dump_sql"; }
# The lines of a dump that belong to the given runs ("1 2 3").
lines_of_runs() {  # dump ids
  local ids="$2"
  [[ -n "$ids" ]] || return 0
  grep -E "^(${ids// /|})," <<<"$1"
}
run_ids() { cut -d, -f1 <<<"$1" | sort -un | tr '\n' ' ' | sed 's/ $//'; }

# What an uninterrupted sweep must equal: one completed run per trial, their final
# metrics and every metric row (ids and wall times aside), by trial, exactly.
results() {  # db
  q "$1" "SELECT 'completed', trial || '|' || count(*) FROM runs WHERE status = 'completed' GROUP BY trial
    UNION ALL SELECT 'final', r.trial || '|' || f.metric || '|' || f.step || '|' || quote(f.epoch) || '|' || quote(f.value)
      FROM final_metrics f JOIN runs r ON r.id = f.run_id WHERE r.status = 'completed'
    UNION ALL SELECT 'metric', r.trial || '|' || m.task || '|' || m.split || '|' || m.name || '|' || m.step || '|' ||
      quote(m.epoch) || '|' || quote(m.value) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.status = 'completed'
    ORDER BY 1, 2"
}

# integrity_check and foreign_key_check in one query; prints what is wrong.
check_integrity() {  # db
  local out
  out="$(q "$1" "SELECT (SELECT group_concat(integrity_check, '; ') FROM pragma_integrity_check) || '|' ||
                        (SELECT count(*) FROM pragma_foreign_key_check) AS result" 2>&1)"
  [[ "$out" == "ok|0" ]] || { echo "integrity_check, foreign-key violations: $out"; return 1; }
}

# The database as a reader finds it. A kill while the file was being created can
# leave a WAL index that only a writer may rebuild, which a read-only open (all
# `mtlab query` does) refuses; then the files are read from a copy without the
# index, which SQLite rebuilds in memory. Prints the path to read.
readable() {  # db
  if q "$1" "SELECT 1" > /dev/null 2>&1; then echo "$1"; return; fi
  rm -rf "$work/copy" && mkdir -p "$work/copy"
  cp "$1" "$work/copy/results.db" && { [[ ! -e "$1-wal" ]] || cp "$1-wal" "$work/copy/results.db-wal"; }
  echo "$work/copy/results.db"
}

echo "chaos: $mtlab, seed $seed, $kills_wanted kills, work folder $work"
mkdir -p "$work/reference" "$work/sweep"
spec > "$work/reference/exp.toml"
spec > "$work/sweep/exp.toml"

start_ms="$(ms_now)"
if ! (cd "$work/reference" && "$mtlab" run exp.toml --no-progress > run.log 2>&1); then
  failed=1
  echo "chaos: the reference sweep failed:" >&2; tail -n 20 "$work/reference/run.log" >&2
  exit 1
fi
sweep_ms=$(($(ms_now) - start_ms))
make_dump_sql "$work/reference/results.db" && results "$work/reference/results.db" > "$work/reference/results.csv" \
  || { failed=1; echo "chaos: cannot read the reference database" >&2; exit 1; }
trials="$(grep -c '^completed,' "$work/reference/results.csv")"
echo "chaos: reference sweep: $trials trials in $((sweep_ms / 1000)).$((sweep_ms % 1000 / 100)) s"

# Kill moments: uniform over [0, 1.2 x the reference sweep's time]. A resume that
# outlives its delay is killed; one that finishes first ends the round.
RANDOM="$seed"
max_delay_ms=$((sweep_ms * 12 / 10))
db="$work/sweep/results.db"
kills=0 rounds=0 attempts=0 integrity_failures=0 changed=0 mismatches=0 run_failures=0 mid_checkpoint=0 from_copy=0
round_kills=0
before_ids="" before_dump=""

temp_checkpoints() { compgen -G "$work/sweep/runs/chaos/run-*/resume/state.pt.tmp-*" | wc -l; }
new_round() {
  temps_before=0
  rm -rf "$work/sweep/results.db" "$work/sweep/results.db-wal" "$work/sweep/results.db-shm" "$work/sweep/runs"
  before_ids="" before_dump="" round_kills=0
}

# After a kill or a finished resume: the checks that hold at any moment. The
# runs completed before must still be completed, every row of theirs unchanged.
check_after() {  # what happened
  local what="$1" report dump
  if [[ ! -e "$db" ]]; then  # killed before it created the database
    if [[ -n "$before_ids" ]]; then
      ((changed++)); failed=1; echo "chaos: FAIL after $what: the database is gone" >&2
    fi
    return
  fi
  local at; at="$(readable "$db")"
  [[ "$at" == "$db" ]] || ((from_copy++))
  if ! report="$(check_integrity "$at")"; then
    ((integrity_failures++)); failed=1
    echo "chaos: FAIL after $what: $report" >&2
  fi
  if ! dump="$(dump_completed "$at" 2>&1)"; then
    # A kill before the schema was committed leaves a valid database without tables.
    if [[ "$(q "$at" "SELECT count(*) FROM sqlite_master" 2>&1)" != 0 ]]; then
      ((changed++)); failed=1
      echo "chaos: FAIL after $what: cannot read the completed runs: $dump" >&2
    fi
    dump=""
  fi
  if [[ "$(lines_of_runs "$dump" "$before_ids")" != "$before_dump" ]]; then
    ((changed++)); failed=1
    echo "chaos: FAIL after $what: rows of the runs completed before ($before_ids) changed or went missing:" >&2
    diff <(echo "$before_dump" | cut -c1-60) <(lines_of_runs "$dump" "$before_ids" | cut -c1-60) | head -n 20 >&2
  fi
  before_ids="$(run_ids "$dump")"
  before_dump="$dump"
}

# A resume finished the sweep: compare with the uninterrupted one, start afresh.
finish_round() {
  check_after "the resume that finished round $((rounds + 1))"
  if ! diff <(results "$db" 2>&1) "$work/reference/results.csv" > "$work/diff.txt"; then
    ((mismatches++)); failed=1
    echo "chaos: FAIL: round $((rounds + 1)) ($round_kills kills) differs from the uninterrupted sweep:" >&2
    head -n 20 "$work/diff.txt" >&2
    cp -r "$work/sweep" "$work/mismatch-$((rounds + 1))"
  fi
  ((rounds++))
  echo "chaos: round $rounds finished after $round_kills kills ($kills of $kills_wanted kills so far)"
  new_round
}

new_round
while ((kills < kills_wanted)); do
  ((attempts++))
  delay_ms=$(((RANDOM * 32768 + RANDOM) % (max_delay_ms + 1)))
  (cd "$work/sweep" && exec "$mtlab" run exp.toml --resume --no-progress >> run.log 2>&1) &
  pid=$!
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))" &
  sleeper=$!
  ended=""
  { wait -n -p ended "$pid" "$sleeper"; rc=$?; } 2>/dev/null  # (no "Killed" job notices)
  if [[ "$ended" == "$pid" ]]; then  # the resume ended first: rc is its exit code
    kill "$sleeper" 2>/dev/null; wait "$sleeper" 2>/dev/null
  else  # a resume that ends at this very moment gives its own exit code, not 137
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; rc=$?; } 2>/dev/null
  fi
  if ((rc == 137)); then
    ((kills++, round_kills++))
    # One more temporary checkpoint left behind: the kill came while one was being
    # written. It stays there: the resumes that follow must ignore it.
    temps="$(temp_checkpoints)"
    ((temps > temps_before)) && ((mid_checkpoint++))
    temps_before="$temps"
    check_after "kill $kills (round $((rounds + 1)), at ${delay_ms} ms)"
  elif ((rc == 0)); then
    finish_round
  else
    ((run_failures++)); failed=1
    echo "chaos: FAIL: mtlab run --resume exited with $rc (round $((rounds + 1))):" >&2
    tail -n 20 "$work/sweep/run.log" >&2
    cp -r "$work/sweep" "$work/failure-$attempts"
    new_round
  fi
done

# The last round's kills count only once a resume has finished that sweep too.
if ((round_kills > 0)); then
  if (cd "$work/sweep" && "$mtlab" run exp.toml --resume --no-progress >> run.log 2>&1); then
    finish_round
  else
    ((run_failures++)); failed=1
    echo "chaos: FAIL: the final mtlab run --resume failed:" >&2; tail -n 20 "$work/sweep/run.log" >&2
  fi
fi

elapsed_ms=$(($(ms_now) - start_ms))
echo "chaos: seed $seed: $kills kills ($mid_checkpoint while a checkpoint was being written, $from_copy read" \
  "through a copy), $rounds rounds" \
  "finished and compared, $integrity_failures integrity failures, $changed changes to completed runs' rows," \
  "$mismatches mismatches with the uninterrupted sweep, $run_failures failed resumes;" \
  "$((elapsed_ms / 1000)) s in all"
((failed)) && exit 1
exit 0
