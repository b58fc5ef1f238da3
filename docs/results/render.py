#!/usr/bin/env python3
"""Renders the seed experiments' results (results/seed.db) into the tables of
docs/training-considerations.md (between <!-- begin:NAME --> and <!-- end:NAME -->
markers). The figures are mtlab report's charts: docs/results/render_figures.sh.

Only the Python standard library: sqlite3 reads the database as any SQL client would.
"""
import json
import re
import sqlite3
import statistics
import sys
from pathlib import Path

DB = Path(sys.argv[1] if len(sys.argv) > 1 else "results/seed.db")
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/results")  # DOC is in its parent
DOC = OUT.parent / "training-considerations.md"

con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)


def q(sql, *args):
    return con.execute(sql, args).fetchall()


def runs(experiment):
    """Completed runs of the experiment's current spec: per trial, only runs with the
    config hash of its latest run (an edited spec's older runs stay in the database)."""
    rows = q("SELECT r.id, r.trial, r.seed, r.duration_s, r.config_hash FROM runs r JOIN experiments e "
             "ON e.id = r.experiment_id WHERE e.name = ? AND r.status = 'completed' ORDER BY r.id", experiment)
    latest = {}
    for run_id, trial, _, _, config_hash in rows:
        latest[trial] = config_hash
    return [(run_id, trial, seed, duration) for run_id, trial, seed, duration, config_hash in rows
            if latest[trial] == config_hash]


def final(run_id, metric):
    row = q("SELECT value FROM final_metrics WHERE run_id = ? AND metric = ?", run_id, metric)
    return row[0][0] if row else None


def fact(run_id, key):
    row = q("SELECT value FROM run_facts WHERE run_id = ? AND key = ?", run_id, key)
    return row[0][0] if row else None


def trial_key(trial):
    return re.sub(r",?seed=\d+", "", trial) or "default"


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{100 * values[0]:.1f}"
    return f"{100 * statistics.mean(values):.1f} ± {100 * statistics.stdev(values):.1f}"


def grouped(experiment):
    groups = {}
    for run_id, trial, seed, duration in runs(experiment):
        groups.setdefault(trial_key(trial), []).append((run_id, seed, duration))
    return groups


def table(experiment, metrics, extra=None):
    groups = grouped(experiment)
    head = ["trial", "seeds"] + [label for label, _ in metrics] + ([extra[0]] if extra else [])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for key, members in groups.items():
        cells = [f"`{key}`", str(len(members))]
        for _, metric in metrics:
            cells.append(mean_std([final(r, metric) for r, _, _ in members]))
        if extra:
            cells.append(extra[1](members[0][0]))
        lines.append("| " + " | ".join(cells) + " |")
    total = sum(d or 0 for m in groups.values() for _, _, d in m)
    lines.append("")
    n = sum(len(m) for m in groups.values())
    lines.append(f"{n} run{'s' if n != 1 else ''}, {total / 60:.1f} minutes of wall time in all "
                 f"(experiment `{experiment}`, mean ± sample std over seeds, in %).")
    return "\n".join(lines)


def replace_block(text, name, body):
    pattern = re.compile(rf"(<!-- begin:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"{DOC}: no <!-- begin:{name} --> … <!-- end:{name} --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


JOINT = [("intent acc", "intent.test.accuracy"), ("slot F1", "slots.test.span_f1"),
         ("sentence acc", "test.sentence_accuracy")]
trainable = ("trainable params", lambda run_id: f"{int(fact(run_id, 'freeze.trainable_parameters') or 0):,}")

def similarity_table(experiment):
    members = runs(experiment)
    if not members:
        return "(no completed run yet)"
    run_id = members[-1][0]
    sentences = json.loads(q("SELECT config_json FROM runs WHERE id = ?", run_id)[0][0])["embed"]["sentences"]
    n = len(sentences)
    lines = ["| | " + " | ".join(str(j + 1) for j in range(n)) + " | sentence |", "|" + " --- |" * (n + 2)]
    for i in range(n):
        cells = [f"{final(run_id, f'embed.similarity.{i}.{j}'):.4f}" for j in range(n)]
        lines.append(f"| {i + 1} | " + " | ".join(cells) + f" | {sentences[i]} |")
    lines.append("")
    lines.append(f"Embeddings {fact(run_id, 'embed.shape')} (run {run_id}, experiment `{experiment}`).")
    return "\n".join(lines)


doc = DOC.read_text()
doc = replace_block(doc, "task1", similarity_table("seed-task1-embeddings"))
doc = replace_block(doc, "task2", table("seed-task2-multitask", JOINT))
doc = replace_block(doc, "task3-freeze", table("seed-task3-freeze", JOINT, trainable))
doc = replace_block(doc, "task3-source", table("seed-task3-source", JOINT))
doc = replace_block(doc, "task3-transfer", table("seed-task3-transfer", JOINT, trainable))
doc = replace_block(doc, "task4", table("seed-task4-layerwise-lr", JOINT))
DOC.write_text(doc)

print(f"rendered the tables in {DOC}")
