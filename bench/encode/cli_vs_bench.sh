#!/usr/bin/env bash
# `mtlab encode` against bench_encode on the same model folder and the same sentences.
# bench_encode --save writes its BERT-base-shaped random model as a Hugging Face folder
# and its sentences as a text file; then, alternately for each round, bench_encode
# --model times SentenceEncoder::encode on that folder (loaded as the CLI loads it) and
# `mtlab -v encode` encodes the file, whose own "encoded N inputs in S s" line (the same
# call, logged by the encoder) is its time after start-up. Prints each round, the ratio
# CLI / bench of the best rounds (1.00 = as fast), and the CLI's peak resident memory
# over the whole command (/usr/bin/time: load, encode, output).
#
#   bench/encode/cli_vs_bench.sh [--sentences 300] [--threads 2] [--batch-size 32] [--rounds 2] [--build build]
set -euo pipefail
cd "$(dirname "$0")/../.."

sentences=300 threads=2 batch=32 rounds=2 build=build
while (($#)); do
  case "$1" in
    --sentences) sentences="$2" ;;
    --threads) threads="$2" ;;
    --batch-size) batch="$2" ;;
    --rounds) rounds="$2" ;;
    --build) build="$2" ;;
    *) echo "cli_vs_bench: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
for exe in mtlab bench_encode; do
  [[ -x "$build/bin/$exe" ]] || { echo "cli_vs_bench: no $build/bin/$exe (ninja -C $build mtlab_app bench_encode)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "cli_vs_bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$build/bin/bench_encode" --save "$work" --sentences "$sentences"

best_bench="" best_cli=""
printf '%-6s %10s %10s %8s %10s %12s %13s\n' round "bench s" "cli s" "cli/bench" "cli wall s" "cli start-up" "cli peak RSS"
for ((r = 1; r <= rounds; r++)); do
  bench_out="$("$build/bin/bench_encode" --model "$work/model" --sentences "$sentences" --threads "$threads" \
    --batch-size "$batch")"
  bench="$(sed -n 's/^encode [^:]*: \([0-9.]*\) s,.*/\1/p' <<<"$bench_out")"
  /usr/bin/time -o "$work/time" -f '%M %e' "$build/bin/mtlab" -v encode --model "$work/model" \
    --input "$work/sentences.txt" --pooling cls --threads "$threads" --batch-size "$batch" --format jsonl \
    > "$work/out.jsonl" 2> "$work/err" || { cat "$work/err" >&2; exit 1; }
  cli="$(sed -n 's/.*encoded [0-9]* inputs in \([0-9.]*\) s.*/\1/p' "$work/err")"
  read -r rss_kb wall < "$work/time"
  rows="$(wc -l < "$work/out.jsonl")"
  if [[ -z "$bench" || -z "$cli" || "$rows" -ne "$sentences" ]]; then
    echo "cli_vs_bench: could not read the timings (bench '$bench', cli '$cli') or $rows rows of $sentences" >&2
    exit 1
  fi
  awk -v r="$r" -v b="$bench" -v c="$cli" -v w="$wall" -v m="$rss_kb" \
    'BEGIN { printf "%-6s %10.2f %10.2f %8.3f %10.2f %12.2f %10.0f MB\n", r, b, c, c / b, w, w - c, m / 1024 }'
  best_bench="$(awk -v a="${best_bench:-$bench}" -v b="$bench" 'BEGIN { print (b < a ? b : a) }')"
  best_cli="$(awk -v a="${best_cli:-$cli}" -v b="$cli" 'BEGIN { print (b < a ? b : a) }')"
done
grep -E '^(cpu|blas):' <<<"$bench_out"
awk -v b="$best_bench" -v c="$best_cli" -v n="$sentences" -v t="$threads" 'BEGIN {
  printf "best of each: bench %.2f s (%.2f sentences/s), cli %.2f s (%.2f sentences/s), %d sentences, %d threads\n", b, n / b, c, n / c, n, t
  printf "cli / bench time: %.3f (within 5 %%: %s)\n", c / b, (c / b <= 1.05 ? "yes" : "no")
}'
