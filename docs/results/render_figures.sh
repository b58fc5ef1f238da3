#!/usr/bin/env bash
# Draws the write-up's figures with `mtlab report`'s own charts (uPlot), as PNGs:
# one report page of the Task 3 experiments, opened in headless Chromium once per
# figure with #figure=<spec> (report.js's figure mode: that one chart, titled and
# labelled for a reader of docs/training-considerations.md). The page reports the
# figure's size; a second load takes the screenshot at exactly that size.
#   docs/results/render_figures.sh results/seed.db docs/results
# MTLAB names mtlab (default: build/bin/mtlab of this checkout), MTLAB_CHROMIUM the
# browser (default: chromium, chromium-browser or google-chrome on PATH).
set -euo pipefail
die() { echo "render_figures: $*" >&2; exit 1; }
(($# == 2)) || die "usage: render_figures.sh DB OUTDIR"
db=$1 out=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
mtlab="${MTLAB:-$root/build/bin/mtlab}"
[[ -f $db ]] || die "no database at '$db' (docs/results/regenerate.sh runs the seed experiments into results/seed.db)"
[[ -d $out ]] || die "no output folder '$out'"
[[ -x $mtlab ]] || die "no mtlab at '$mtlab' (build it, or set MTLAB)"
chromium="${MTLAB_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
[[ -n $chromium && -x $chromium ]] ||
  die "headless Chromium is not installed (apt-get install chromium, as scripts/test.sh does), or set MTLAB_CHROMIUM"
command -v python3 > /dev/null || die "python3 is needed to encode the figure specs"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
page="$tmp/figures.html"
"$mtlab" report "$db" --experiment seed-task3-freeze --experiment seed-task3-transfer --out "$page" > /dev/null ||
  die "mtlab report failed on '$db'"

browser() {  # the flags the report's browser tests use (tests/support/browser.h)
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --hide-scrollbars --user-data-dir="$tmp/profile" --virtual-time-budget=20000 "$@" 2> "$tmp/chromium.log"
}

# figure NAME SPEC_JSON → OUTDIR/NAME.png
figure() {
  local url size
  url="file://$page#figure=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$2")"
  # The page's render summary (<pre id="render-report">) holds the figure's size, or its errors.
  browser --window-size=2000,2000 --dump-dom "$url" > "$tmp/page.html" ||
    { cat "$tmp/chromium.log" >&2; die "chromium could not open the report page for $1"; }
  size="$(python3 -c '
import html, json, re, sys
m = re.search(r"<pre id=\"render-report\"[^>]*>(.*?)</pre>", sys.stdin.read(), re.S)
s = json.loads(html.unescape(m.group(1))) if m and m.group(1) else {}
size = s.get("figure")
if not s.get("ok") or s.get("errors") or not size:
    sys.exit("render_figures: %s: the page drew no figure: %s" % (sys.argv[1], s or "no render summary"))
print("%d,%d" % (size["width"] + 12, size["height"] + 12))  # + the body padding on the right and below
' "$1" < "$tmp/page.html")"
  rm -f "$out/$1.png"
  # Twice the pixels of the CSS size, so the PNG stays sharp on high-density screens.
  browser --window-size="$size" --force-device-scale-factor=2 --screenshot="$out/$1.png" "$url" > /dev/null ||
    { cat "$tmp/chromium.log" >&2; die "chromium could not take the screenshot of $1"; }
  [[ -s $out/$1.png ]] || die "chromium wrote no $out/$1.png"
  echo "render_figures: $out/$1.png (${size/,/×} CSS px)"
}

figure task3_freeze_dev '{
  "experiment": "seed-task3-freeze", "curve": "dev.sentence_accuracy", "scale": 100,
  "title": "Task 3, freezing: dev sentence accuracy during training",
  "xLabel": "optimizer step", "yLabel": "dev sentence accuracy (%)",
  "caption": "One line per freeze scenario: what was frozen (nothing, all, the backbone, or one head); freeze=all has nothing to train, so its one evaluation is the dot at step 0. Sentence accuracy: the intent and every slot tag right; SNIPS dev set, evaluated every 20 steps and at the end of each epoch."
}'
figure task3_transfer_k '{
  "experiment": "seed-task3-transfer", "key": "layers", "scale": 100,
  "finals": {"intent.test.accuracy": "intent accuracy", "slots.test.span_f1": "slot span F1",
             "test.sentence_accuracy": "sentence accuracy (intent and all slots right)"},
  "title": "Task 3, transfer SNIPS → ATIS: test metrics against the frozen depth K",
  "xLabel": "K: embeddings + bottom K of 4 encoder layers frozen", "yLabel": "ATIS test metric (%)",
  "caption": "The encoder was trained on SNIPS (experiment seed-task3-source), then fine-tuned on ATIS with new heads and its embeddings and bottom K layers frozen; K = 4 freezes the whole encoder but the pooler."
}'
