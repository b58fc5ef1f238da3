#!/usr/bin/env python3
"""Renders the seed experiments' results (results/seed.db) into
docs/training-considerations.md (tables between <!-- begin:NAME --> and
<!-- end:NAME --> markers) and SVG figures in docs/results/.

Only the Python standard library: sqlite3 reads the database as any SQL client would.
"""
import json
import math
import re
import sqlite3
import statistics
import sys
from pathlib import Path

DB = Path(sys.argv[1] if len(sys.argv) > 1 else "results/seed.db")
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/results")
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


def svg_lines(path, title, x_label, y_label, series):
    """series: {name: [(x, y), ...]} → a small line chart."""
    w, h, left, bottom, top, right = 640, 360, 60, 40, 30, 170
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts]
    if not xs:
        return
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 0.01
    px = lambda x: left + (x - x0) / (x1 - x0) * (w - left - right)
    py = lambda y: h - bottom - (y - y0) / (y1 - y0) * (h - bottom - top)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
           f'<text x="{(left + w - right) / 2}" y="{h - 8}" text-anchor="middle">{x_label}</text>',
           f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle">{y_label}</text>']
    for i in range(5):
        y = y0 + (y1 - y0) * i / 4
        out.append(f'<text x="{left - 6}" y="{py(y) + 4}" text-anchor="end">{100 * y:.0f}</text>')
        out.append(f'<line x1="{left}" y1="{py(y)}" x2="{w - right}" y2="{py(y)}" stroke="#ddd"/>')
    ticks = sorted(set(xs))
    if len(ticks) > 8:
        ticks = ticks[:: math.ceil(len(ticks) / 6)]
    for x in ticks:
        out.append(f'<text x="{px(x)}" y="{h - bottom + 16}" text-anchor="middle">{x:g}</text>')
    for i, (name, pts) in enumerate(series.items()):
        c = colors[i % len(colors)]
        pts = sorted(pts)
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="'
                   + " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts) + '"/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{c}"/>')
        out.append(f'<text x="{w - right + 10}" y="{top + 18 * i + 10}" fill="{c}">{name}</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def dev_curves(experiment, metric_task, metric_name):
    """Mean over seeds of a dev metric at each evaluation step, per trial."""
    series = {}
    for key, members in grouped(experiment).items():
        per_step = {}
        for run_id, _, _ in members:
            for step, value in q("SELECT step, value FROM metrics WHERE run_id = ? AND task = ? AND split = 'dev' "
                                 "AND name = ? AND epoch IS NOT NULL", run_id, metric_task, metric_name):
                per_step.setdefault(step, []).append(value)
        series[key] = [(s, statistics.mean(v)) for s, v in per_step.items()]
    return series


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

svg_lines(OUT / "task3_freeze_dev.svg", "Task 3: dev sentence accuracy during training (mean of 3 seeds)", "step",
          "dev sentence accuracy (%)", dev_curves("seed-task3-freeze", "", "sentence_accuracy"))
transfer = {}
for key, members in grouped("seed-task3-transfer").items():
    k = int(re.search(r"layers=(\d+)", key).group(1)) if "layers=" in key else 0
    for label, metric in JOINT:
        values = [final(r, metric) for r, _, _ in members]
        values = [v for v in values if v is not None]
        if values:
            transfer.setdefault(label, []).append((k, statistics.mean(values)))
svg_lines(OUT / "task3_transfer_k.svg", "Task 3: test metrics against frozen depth K (mean of 3 seeds)",
          "K (embeddings + bottom K layers frozen)", "test metric (%)", transfer)
print(f"rendered {DOC} and figures in {OUT}")
