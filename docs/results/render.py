#!/usr/bin/env python3
"""Renders the seed experiments' results (results/seed.db) into the tables of
docs/training-considerations.md, and the recipes' (results/recipes.db: the
masked-LM pretraining, the ATIS and SNIPS fine-tunes, the seed's tasks rerun
from the pretrained encoder) into docs/recipes.md and the pretrained rows of
training-considerations.md (between <!-- begin:NAME --> and <!-- end:NAME -->
markers). The figures are mtlab report's charts: docs/results/render_figures.sh.
  render.py [SEED_DB [OUT_DIR [RECIPES_DB]]]   # a missing database: its blocks stay as they are

Only the Python standard library: sqlite3 reads the database as any SQL client would.
"""
import json
import re
import sqlite3
import statistics
import sys
from datetime import datetime
from pathlib import Path

DB = Path(sys.argv[1] if len(sys.argv) > 1 else "results/seed.db")
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/results")  # the docs are in its parent
RECIPES_DB = Path(sys.argv[3] if len(sys.argv) > 3 else "results/recipes.db")
DOC = OUT.parent / "training-considerations.md"
RECIPES_DOC = OUT.parent / "recipes.md"

con = None


def q(sql, *args):
    return con.execute(sql, args).fetchall()


def use(path):
    """Reads from now on from the database at path."""
    global con
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)


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
    lines.append("")
    n = sum(len(m) for m in groups.values())
    lines.append(f"{n} run{'s' if n != 1 else ''}, {elapsed(experiment) / 60:.1f} minutes of wall time in all "
                 f"(experiment `{experiment}`, mean ± sample std over seeds, in %).")
    return "\n".join(lines)


def elapsed(experiment):
    """Seconds from the first completed run's start to the last one's end (runs of worker
    processes overlap, so this is less than the sum of their durations)."""
    ids = [run_id for run_id, _, _, _ in runs(experiment)]
    if not ids:
        return 0.0
    marks = ",".join("?" * len(ids))
    first, last = q(f"SELECT min(started_at), max(ended_at) FROM runs WHERE id IN ({marks})", *ids)[0]
    stamp = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (stamp(last) - stamp(first)).total_seconds()


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


# The published rows the recipes are read against (test splits, %: intent accuracy,
# slot span F1, sentence accuracy).
PUBLISHED = [
    ("Slot-Gated (Goo et al. 2018), no pretraining: the bar", (94.1, 95.2, 82.6), (97.0, 88.8, 75.5)),
    ("JointBERT (Chen et al. 2019), Google's pretrained BERT-base: the ceiling", (97.5, 96.1, 88.2),
     (98.6, 97.0, 92.8)),
]
BAR = PUBLISHED[0]


def recipe_cells(experiment, bar):
    """Mean ± std over the experiment's seeds, each marked against the bar."""
    members = [run_id for run_id, _, _, _ in runs(experiment)]
    cells = []
    for (_, metric), limit in zip(JOINT, bar):
        values = [final(r, metric) for r in members]
        values = [100 * v for v in values if v is not None]
        if not values:
            cells.append("–")
            continue
        mean = statistics.mean(values)
        spread = f" ± {statistics.stdev(values):.1f}" if len(values) > 1 else ""
        cells.append(f"**{mean:.1f}**{spread} {'✓' if mean >= limit else '✗'}")
    return cells, len(members)


def recipes_table():
    head = ["", "ATIS intent", "ATIS slot F1", "ATIS sentence", "SNIPS intent", "SNIPS slot F1", "SNIPS sentence"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    atis, n_atis = recipe_cells("recipe-atis", BAR[1])
    snips, n_snips = recipe_cells("recipe-snips", BAR[2])
    lines.append("| " + " | ".join([PUBLISHED[0][0]] + [f"{v}" for v in PUBLISHED[0][1] + PUBLISHED[0][2]]) + " |")
    seeds = f"{n_atis} seeds each" if n_atis == n_snips else f"ATIS {n_atis} seeds, SNIPS {n_snips}"
    lines.append("| " + " | ".join([f"mtlab recipe: masked-LM pretrained 4×128 BERT + CRF ({seeds})"] + atis + snips) +
                 " |")
    lines.append("| " + " | ".join([PUBLISHED[1][0]] + [f"{v}" for v in PUBLISHED[1][1] + PUBLISHED[1][2]]) + " |")
    lines.append("")
    lines.append("Test splits, in %; mtlab: mean ± sample std over seeds, ✓ where the mean reaches the bar.")
    return "\n".join(lines)


def ablation_table():
    rows = [("pretrained by masked-LM (`recipe-atis`)", "recipe-atis"),
            ("from scratch (`recipe-atis-scratch`)", "recipe-atis-scratch")]
    lines = ["| ATIS, encoder | seeds | intent acc | slot F1 | sentence acc | wall time |",
             "| --- | --- | --- | --- | --- | --- |"]
    for label, experiment in rows:
        members = [run_id for run_id, _, _, _ in runs(experiment)]
        cells = [mean_std([final(r, metric) for r in members]) for _, metric in JOINT]
        lines.append(f"| {label} | {len(members)} | " + " | ".join(cells) + f" | {elapsed(experiment) / 60:.1f} min |")
    return "\n".join(lines)


def time_table():
    steps = [("pretraining (once, both datasets' text)", "recipe-pretrain"),
             ("ATIS fine-tuning, all seeds", "recipe-atis"), ("SNIPS fine-tuning, all seeds", "recipe-snips")]
    lines = ["| step | runs | wall time |", "| --- | --- | --- |"]
    total = 0.0
    for label, experiment in steps:
        seconds = elapsed(experiment)
        total += seconds
        lines.append(f"| {label} (`{experiment}`) | {len(runs(experiment))} | {seconds / 60:.1f} min |")
    lines.append(f"| **all** | | **{total / 60:.1f} min** |")
    cpu = q("SELECT cpu, threads FROM runs r JOIN experiments e ON e.id = r.experiment_id "
            "WHERE e.name = 'recipe-pretrain' AND r.status = 'completed' ORDER BY r.id DESC LIMIT 1")
    if cpu:
        lines.append("")
        lines.append(f"Machine: {cpu[0][0]}; the pretraining ran on {cpu[0][1]} thread(s), the fine-tunes' "
                     "seeds in two one-thread worker processes.")
    return "\n".join(lines)


def pretraining_table():
    members = runs("recipe-pretrain")
    if not members:
        return "(no completed run yet)"
    run_id = members[-1][0]
    lines = ["| text | dev masked-token accuracy | dev perplexity |", "| --- | --- | --- |"]
    for task in ("atis", "snips"):
        acc, ppl = final(run_id, f"{task}.dev.masked_accuracy"), final(run_id, f"{task}.dev.perplexity")
        lines.append(f"| {task.upper()} | {100 * acc:.1f} % | {ppl:.2f} |")
    lines.append("")
    lines.append(f"Run {run_id}, {members[-1][3] / 60:.1f} minutes; the saved model is the one of the best dev loss.")
    return "\n".join(lines)


def similarity_tables(experiment):
    """One column per pooling (the trials of an embed.pooling sweep), one row per sentence pair."""
    members = runs(experiment)
    if not members:
        return "(no completed run yet)"
    columns = []
    for run_id, trial, _, _ in members:
        config = json.loads(q("SELECT config_json FROM runs WHERE id = ?", run_id)[0][0])
        columns.append((config["embed"].get("pooling", "pooler"), run_id, config["embed"]["sentences"]))
    sentences = columns[0][2]
    n = len(sentences)
    lines = ["| pair | " + " | ".join(pooling for pooling, _, _ in columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    for i in range(n):
        for j in range(i + 1, n):
            cells = [f"{final(run_id, f'embed.similarity.{i}.{j}'):.4f}" for _, run_id, _ in columns]
            lines.append(f"| {i + 1}–{j + 1} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Sentences: " + "; ".join(f"{i + 1}. {t}" for i, t in enumerate(sentences)) +
                 f" Embeddings {fact(columns[0][1], 'embed.shape')} (experiment `{experiment}`, runs " +
                 ", ".join(str(run_id) for _, run_id, _ in columns) + ").")
    return "\n".join(lines)


doc = DOC.read_text()
if DB.exists():
    use(DB)
    doc = replace_block(doc, "task1", similarity_table("seed-task1-embeddings"))
    doc = replace_block(doc, "task2", table("seed-task2-multitask", JOINT))
    doc = replace_block(doc, "task3-freeze", table("seed-task3-freeze", JOINT, trainable))
    doc = replace_block(doc, "task3-source", table("seed-task3-source", JOINT))
    doc = replace_block(doc, "task3-transfer", table("seed-task3-transfer", JOINT, trainable))
    doc = replace_block(doc, "task4", table("seed-task4-layerwise-lr", JOINT))
else:
    print(f"{DB} does not exist: the from-scratch tables stay as they are")

if RECIPES_DB.exists():
    use(RECIPES_DB)
    doc = replace_block(doc, "task1-pretrained", similarity_tables("seed-task1-embeddings-pretrained"))
    doc = replace_block(doc, "task3-freeze-pretrained", table("seed-task3-freeze-pretrained", JOINT, trainable))
    doc = replace_block(doc, "task3-source-pretrained", table("seed-task3-source-pretrained", JOINT))
    doc = replace_block(doc, "task3-transfer-pretrained",
                        table("seed-task3-transfer-pretrained", JOINT, trainable))
    doc = replace_block(doc, "task4-pretrained", table("seed-task4-layerwise-lr-pretrained", JOINT))
    recipes = RECIPES_DOC.read_text()
    recipes = replace_block(recipes, "recipes", recipes_table())
    recipes = replace_block(recipes, "recipes-time", time_table())
    recipes = replace_block(recipes, "recipes-pretraining", pretraining_table())
    recipes = replace_block(recipes, "recipes-ablation", ablation_table())
    RECIPES_DOC.write_text(recipes)
    print(f"rendered the tables in {RECIPES_DOC}")
DOC.write_text(doc)

print(f"rendered the tables in {DOC}")
