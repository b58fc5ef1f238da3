#!/usr/bin/env bash
# Accuracy of reduced precision on a trained model, one command: trains a small
# BERT from scratch on ATIS (experiments/atis_from_scratch.toml, made smaller:
# hidden 128, 2 layers, a few epochs), then labels ATIS test with `mtlab predict`
# in fp32, --dtype bf16 and --quantize int8, and encodes it with `mtlab encode`
# (the saved backbone, mean pooling) in the same three precisions. Prints how many
# intents and slot tags agree with fp32, the cosine similarity of the embeddings
# to fp32, and each command's wall time.
#   bench/precision/atis_agreement.sh [EPOCHS]   (build first; MTLAB_DATA or ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
mtlab="$root/${MTLAB_BUILD_DIR:-build}/bin/mtlab"
data="${MTLAB_DATA:-$root/../shared/data}"
epochs="${1:-6}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp experiments/atis_from_scratch.toml "$work/atis.toml"
cd "$work"
MTLAB_DATA="$data" "$mtlab" -q run atis.toml --no-progress \
  --set experiment.database=atis.db --set experiment.output=runs \
  --set backbone.init.hidden_size=128 --set backbone.init.num_layers=2 --set backbone.init.num_heads=2 \
  --set backbone.init.intermediate_size=512 --set training.epochs="$epochs" --set training.early_stopping=false \
  >train.log 2>&1 || { cat train.log; exit 1; }
model="$(find runs -type d -name model | head -1)"
test_in="$data/atis/test/seq.in"
echo "model: $model ($(wc -l <"$test_in") ATIS test sentences), epochs $epochs"
timed() {  # timed NAME COMMAND...: runs it, output to NAME, prints its wall time
  local name="$1" start end
  shift
  start=$(date +%s.%N)
  "$@" >"$name" 2>"$name.err" || { cat "$name.err"; exit 1; }
  end=$(date +%s.%N)
  printf '%-28s %6.2f s\n' "$name" "$(echo "$end - $start" | bc)"
}
for p in fp32 "bf16:--dtype bf16" "int8:--quantize int8"; do
  name="${p%%:*}"
  args=""
  [[ "$p" == *:* ]] && args="${p#*:}"
  # shellcheck disable=SC2086
  timed "predict.$name" "$mtlab" predict --model "$model" --input "$test_in" --format jsonl --threads 2 $args
  # shellcheck disable=SC2086
  timed "encode.$name" "$mtlab" encode --model "$model" --input "$test_in" --format npy --output "encode.$name.npy" \
    --pooling mean --threads 2 $args
done
python3 - <<'PY'
import json, struct
def predictions(name):
    return [json.loads(line) for line in open(name)]
def npy(name):
    raw = open(name, "rb").read()
    header_len = struct.unpack("<H", raw[8:10])[0]
    header = raw[10:10 + header_len].decode()
    rows, cols = [int(x) for x in header.split("'shape': (")[1].split(")")[0].split(",")[:2]]
    data = struct.unpack("<%df" % (rows * cols), raw[10 + header_len:])
    return [data[r * cols:(r + 1) * cols] for r in range(rows)]
def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / (sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)
ref, ref_emb = predictions("predict.fp32"), npy("encode.fp32.npy")
for name in ("bf16", "int8"):
    other = predictions("predict." + name)
    intents = sum(a["intent"]["label"] == b["intent"]["label"] for a, b in zip(ref, other))
    tags = sum(x == y for a, b in zip(ref, other) for x, y in zip(a["slots"]["tags"], b["slots"]["tags"]))
    total_tags = sum(len(a["slots"]["tags"]) for a in ref)
    cos = [cosine(a, b) for a, b in zip(ref_emb, npy("encode.%s.npy" % name))]
    print("%s vs fp32: intents agree %d/%d (%.2f%%), slot tags %d/%d (%.2f%%); mean-pooled embeddings cosine "
          "min %.5f, mean %.5f" % (name, intents, len(ref), 100.0 * intents / len(ref), tags, total_tags,
                                   100.0 * tags / total_tags, min(cos), sum(cos) / len(cos)))
PY
