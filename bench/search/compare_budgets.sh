#!/usr/bin/env bash
# Issue 22, item 5: on ATIS from scratch, a 64-trial random search with ASHA
# against the same budget (epochs trained) spent on random search without
# pruning and on a grid: best dev loss reached, the test metrics of the trial
# that reached it, epochs trained and wall time — one table, measured in one go.
#   MTLAB_DATA=../shared/data bench/search/compare_budgets.sh [--build DIR]
# Specs: experiments/asha/{base,asha,random,grid}.toml; results in results/asha.db.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build
[[ "${1:-}" == "--build" ]] && build="$2"
mtlab="$build/bin/mtlab"
db=results/asha.db
: "${MTLAB_DATA:=../shared/data}"
export MTLAB_DATA

query() { "$mtlab" query "$db" "$1" --csv | tail -n +2 | tr -d '\r'; }

# Epochs trained by an experiment's runs: each run's last epoch-end evaluation.
epochs_of() {
  query "SELECT coalesce(sum(e), 0) FROM (SELECT max(m.epoch) AS e FROM metrics m JOIN runs r ON r.id = m.run_id
         JOIN experiments x ON x.id = r.experiment_id WHERE x.name = '$1' AND m.split = 'dev' AND m.task = ''
         AND m.name = 'loss' AND m.epoch IS NOT NULL GROUP BY r.id) AS t"
}

# Wall time from the first run's start to the last run's end, as recorded (a run
# of this script that finds a search done skips its trials and keeps its times).
wall_of() {
  query "SELECT CAST(round((julianday(max(r.ended_at)) - julianday(min(r.started_at))) * 86400) AS INTEGER)
         FROM runs r JOIN experiments x ON x.id = r.experiment_id WHERE x.name = '$1'"
}

"$mtlab" -q run experiments/asha/asha.toml --no-progress
budget=$(epochs_of atis-asha)
trials=$(( (budget + 4) / 9 ))  # full 9-epoch trials in ASHA's budget, rounded
echo "ASHA trained $budget epochs: random search gets $trials trials of 9 epochs"
"$mtlab" -q run experiments/asha/random.toml --no-progress --set "sweep.trials=$trials"
"$mtlab" -q run experiments/asha/grid.toml --no-progress

lscpu | sed -n 's/^Model name: *//p'
echo "| search | trials run | completed | pruned | epochs trained | wall time (s) | best dev loss | its test intent acc | slot F1 | sentence acc |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for name in atis-asha atis-random atis-grid; do
  IFS=, read -r runs completed pruned < <(query "SELECT count(*), sum(r.status = 'completed'), sum(r.status = 'pruned')
    FROM runs r JOIN experiments x ON x.id = r.experiment_id WHERE x.name = '$name'")
  IFS=, read -r dev acc f1 sent < <(query "SELECT printf('%.4f', d.value),
    printf('%.2f', 100 * (SELECT value FROM final_metrics f WHERE f.run_id = d.run_id AND f.metric = 'intent.test.accuracy')),
    printf('%.2f', 100 * (SELECT value FROM final_metrics f WHERE f.run_id = d.run_id AND f.metric = 'slots.test.span_f1')),
    printf('%.2f', 100 * (SELECT value FROM final_metrics f WHERE f.run_id = d.run_id AND f.metric = 'test.sentence_accuracy'))
    FROM final_metrics d WHERE d.experiment = '$name' AND d.metric = 'dev.loss' AND d.status = 'completed'
    ORDER BY d.value LIMIT 1")
  echo "| ${name#atis-} | $runs | $completed | $pruned | $(epochs_of "$name") | $(wall_of "$name") | $dev | $acc | $f1 | $sent |"
done
