#!/usr/bin/env bash
# bf16 training against fp32's seed-to-seed spread, one command: runs the
# quickstart (its source model, then the freeze-scenario sweep: six policies x 3
# seeds) in fp32 and again with training.precision = "bf16", into a temporary
# database, and compares their loss curves point by point: at each logged point
# (trial, split, step; mean over the seeds) the distance between the bf16 and the
# fp32 means, in fp32 seed-to-seed standard deviations. Also the best trial's
# test loss and slot span F1 in both.
#   bench/precision/bf16_curves.sh [--set key=value ...]   (build first; extra --set go to both sweeps)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
mtlab="$root/${MTLAB_BUILD_DIR:-build}/bin/mtlab"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
where=(--set experiment.database="$work/curves.db" --set experiment.output="$work/runs")
"$mtlab" -q run experiments/quickstart-source.toml --no-progress "${where[@]}"
"$mtlab" -q run experiments/quickstart.toml --no-progress "${where[@]}" "$@"
"$mtlab" -q run experiments/quickstart.toml --no-progress "${where[@]}" "$@" \
  --set 'training.precision="bf16"' --set 'experiment.name="quickstart-bf16"'
python3 - "$work/curves.db" <<'PY'
import sqlite3, statistics, sys
db = sqlite3.connect(sys.argv[1])
def config_of(trial):  # the trial's name without its seed: what the seeds are averaged over
    return ",".join(p for p in trial.split(",") if not p.startswith("seed="))
def curves(experiment):
    rows = db.execute("""
        SELECT r.trial, m.split, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id
        JOIN experiments e ON e.id = r.experiment_id
        WHERE e.name = ? AND m.name = 'loss' AND m.task = '' AND m.split IN ('train', 'dev')""", (experiment,))
    points = {}
    for trial, split, step, value in rows:
        points.setdefault((config_of(trial), split, step), []).append(value)
    return points
precisions = db.execute("""
    SELECT e.name, f.value, count(*) FROM run_facts f JOIN runs r ON r.id = f.run_id
    JOIN experiments e ON e.id = r.experiment_id WHERE f.key = 'training.precision' GROUP BY e.name, f.value""")
print("runs by experiment and training.precision:", ", ".join(f"{e} {v}: {n}" for e, v, n in precisions))
fp32, bf16 = curves("quickstart"), curves("quickstart-bf16")
common = sorted(k for k in fp32 if k in bf16 and len(fp32[k]) > 1)
distances = []
for k in common:
    spread = statistics.stdev(fp32[k])
    distances.append(abs(statistics.mean(bf16[k]) - statistics.mean(fp32[k])) / spread if spread > 0 else 0.0)
within = sum(d <= 1.0 for d in distances)
print(f"points compared: {len(common)} (fp32 {len(fp32)}, bf16 {len(bf16)})")
print(f"bf16 mean within one fp32 seed std: {within}/{len(common)}; distance in stds: max {max(distances):.3f}, "
      f"mean {statistics.mean(distances):.3f}")
def best(experiment):
    rows = db.execute("""
        SELECT r.trial, m.task, m.name, m.value FROM metrics m JOIN runs r ON r.id = m.run_id
        JOIN experiments e ON e.id = r.experiment_id
        WHERE e.name = ? AND m.split = 'test' AND ((m.task = '' AND m.name = 'loss') OR (m.task = 'slots' AND m.name = 'span_f1'))""",
        (experiment,))
    by = {}
    for trial, task, name, value in rows:
        by.setdefault(config_of(trial), {}).setdefault(name, []).append(value)
    return by
f, b = best("quickstart"), best("quickstart-bf16")
top = min(f, key=lambda c: statistics.mean(f[c]["loss"]))
for label, d in (("fp32", f), ("bf16", b)):
    loss, f1 = d[top]["loss"], d[top]["span_f1"]
    print(f"{label} best trial ({top}): test loss {statistics.mean(loss):.4f} ± {statistics.stdev(loss):.4f}, "
          f"slot span F1 {statistics.mean(f1):.4f} ± {statistics.stdev(f1):.4f}")
PY
