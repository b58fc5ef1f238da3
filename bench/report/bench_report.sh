#!/usr/bin/env bash
# Times `mtlab report` on a large synthetic sweep and the page in headless
# Chromium. The page measures itself (#render-report: load_ms = from navigation
# start until every chart is drawn; render_ms = the drawing script alone).
# Usage: bench/report/bench_report.sh [build dir] [runs] [points] [seeds] [--max-points N]
set -euo pipefail
build="${1:-build}"; runs="${2:-1000}"; points="${3:-10000}"; seeds="${4:-1}"
shift $(( $# < 4 ? $# : 4 ))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/bin/bench_report_db" "$work/bench.db" "$runs" "$points" "$seeds"
start=$(date +%s.%N)
"$build/bin/mtlab" report "$work/bench.db" --experiment bench --out "$work/report.html" "$@"
end=$(date +%s.%N)
echo "mtlab report: $(echo "$end - $start" | bc) s, page $(du -h "$work/report.html" | cut -f1)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(chromium --version 2>/dev/null)"
for i in 1 2 3; do
  out="$(timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$work/profile" \
    --virtual-time-budget=60000 --window-size=1400,1000 --dump-dom "file://$work/report.html" 2>/dev/null)"
  summary="$(sed -n 's/.*<pre id="render-report" hidden="">\([^<]*\)<\/pre>.*/\1/p' <<<"$out" | sed 's/&quot;/"/g; s/&amp;/\&/g')"
  python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print("run %s: load_ms=%d render_ms=%d charts=%d points=%d errors=%d" % (sys.argv[2], s["load_ms"], s["render_ms"], len(s["charts"]), sum(c["points"] for c in s["charts"]), len(s["errors"])))' "$summary" "$i"
done
