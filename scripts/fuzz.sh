#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DMTLAB_FUZZ=ON, in build-fuzz/) and runs
# each for a given time. See docs/fuzzing.md.
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--jobs N] [--instances N] [--merge] [--build-only] [target...]
#   --time SECONDS  how long each target runs (default 60)
#   --jobs N        how many targets fuzz at once, and the build's -j (default 1)
#   --instances N   fuzzer processes per target, sharing its corpus (default 1):
#                   N cores on one slow target; executions are summed
#   --merge         first minimize the working corpus (libFuzzer -merge=1: the
#                   smallest set of inputs with every feature), so a restart
#                   loads hundreds of inputs instead of thousands
#   --build-only    configure and build, run nothing
#   target...       any of: safetensors tokenizer spec conll joint delimited jsonl
#                   (default: all)
#
# Each target keeps a working corpus in build-fuzz/corpus/<target>/ (grown run
# after run), seeded from tests/fuzz/corpus/<target>/ and, where the shared
# data is present (MTLAB_SHARED_DIR or ../shared), a few samples of it. Every
# crash, timeout, out-of-memory or leak input is copied into
# tests/fuzz/corpus/<target>/ as a regression input, which the normal test
# suite replays (test_fuzz_replay); commit it with the fix. The script prints
# one summary line per target (executions, libFuzzer's final cov:/ft:, corpus
# size, findings) and appends it to build-fuzz/fuzz-summary.tsv. Fuzzers stopped
# early by SIGINT (pkill -INT -f build-fuzz/bin/fuzz_) end the run "interrupted",
# and their executions count.
# The exit code is 1 when any target had a finding or was interrupted.
# Environment: FUZZ_ARGS adds libFuzzer flags;
# ASAN_OPTIONS defaults to malloc_context_size=2:quarantine_size_mb=10 (short
# allocation stacks in a report, OSS-Fuzz's quarantine: spec runs half again as
# fast; replay the saved input for full stacks).
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS=(safetensors tokenizer spec conll joint delimited jsonl)
time_s=60
jobs=1
instances=1
build_only=0
merge=0
targets=()
while (($#)); do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *)
      if [[ " ${ALL_TARGETS[*]} " != *" $1 "* ]]; then
        echo "fuzz: unknown target '$1', expected one of: ${ALL_TARGETS[*]}" >&2; exit 2
      fi
      targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")
[[ "$time_s" =~ ^[0-9]+$ && "$jobs" =~ ^[1-9][0-9]*$ && "$instances" =~ ^[1-9][0-9]*$ ]] \
  || { echo "fuzz: --time, --jobs and --instances take numbers" >&2; exit 2; }

# clang and its libFuzzer runtime come from Debian's packages, like everything else.
PACKAGES=(clang libclang-rt-dev cmake ninja-build ccache pkg-config libtorch-dev libboost-dev
  libboost-filesystem-dev libtomlplusplus-dev libfmt-dev catch2 libcli11-dev nlohmann-json3-dev
  libutf8proc-dev libssl-dev libsqlite3-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  echo "fuzz: installing ${missing[*]}"
  SUDO=""; if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

BUILD=build-fuzz
mkdir -p "$BUILD"
asan_options="${ASAN_OPTIONS:-malloc_context_size=2:quarantine_size_mb=10}"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMTLAB_FUZZ=ON \
    -DMTLAB_BUILD_TESTS=ON -DMTLAB_BUILD_BENCH=OFF -DMTLAB_USE_PCH=OFF > "$BUILD/configure.log" 2>&1 \
    || { cat "$BUILD/configure.log"; echo "fuzz: cmake configure failed" >&2; exit 1; }
fi
nice cmake --build "$BUILD" -j "$jobs" --target "${targets[@]/#/fuzz_}"
((build_only)) && exit 0

shared="${MTLAB_SHARED_DIR:-../shared}"
# Extra seeds from the shared data and the project's specs: written at run time, never committed.
extra_seeds() {
  local t="$1" dir="$2" d="$shared/data"
  case "$t" in
    safetensors)
      # The real header of a tiny checkpoint, cut short (the parser still reads all of it).
      local f="$shared/fixtures/tiny-bert/model.safetensors"
      [[ -f "$f" ]] && head -c 32768 "$f" > "$dir/shared-tiny-bert-head" ;;
    tokenizer)
      local f i=0
      for f in "$d/sst2/sentiment-train" "$d/atis/train/seq.in" "$d/conll2003/train.txt"; do
        [[ -f "$f" ]] || continue
        { printf '\x01\x00'; head -n 3 "$f" | tr '\n' ' '; } > "$dir/shared-text-$i"; i=$((i + 1))
      done ;;
    spec)
      find experiments -name '*.toml' -size -8k -exec cp -t "$dir" {} + 2>/dev/null || true ;;
    conll)
      [[ -f "$d/conll2003/train.txt" ]] && head -n 40 "$d/conll2003/train.txt" > "$dir/shared-conll2003" ;;
    joint)
      local s
      for s in atis snips; do
        [[ -d "$d/$s/train" ]] || continue
        { head -n 5 "$d/$s/train/seq.in"; printf '\0'; head -n 5 "$d/$s/train/seq.out"; printf '\0'
          head -n 5 "$d/$s/train/label"; } > "$dir/shared-$s"
      done ;;
    delimited)
      [[ -f "$d/sst2/sentiment-train" ]] && head -n 10 "$d/sst2/sentiment-train" > "$dir/shared-sst2"
      [[ -f "$d/sst5/stsa.fine.train" ]] && { echo '%{"separator": " ", "columns": 2, "text_column": 1, "label_column": 0}'
        head -n 10 "$d/sst5/stsa.fine.train"; } > "$dir/shared-sst5"
      [[ -f "$d/trec/TREC.test" ]] && { echo '%{"separator": " ", "columns": 2, "text_column": 1, "label_column": 0, "label_field": "coarse"}'
        head -n 10 "$d/trec/TREC.test"; } > "$dir/shared-trec" ;;
    jsonl) ;;
  esac
  return 0
}

# Per-target libFuzzer settings: the largest input and the slowest acceptable one.
max_len() { case "$1" in safetensors) echo 65536 ;; spec) echo 8192 ;; *) echo 4096 ;; esac; }

# Saved inputs in a findings folder, slow-unit-* excepted.
count_findings() { ls "$1" | grep -vc '^slow-unit-' || true; }

run_one() {
  local t="$1"
  local corpus="$BUILD/corpus/$t" findings="$BUILD/findings/$t" scratch="$PWD/$BUILD/tmp/$t" log="$BUILD/logs/$t.log"
  # The targets write each input to a file: on tmpfs that costs no disk I/O (a fifth of the spec target's time).
  if [[ -d /dev/shm && -w /dev/shm ]]; then scratch="/dev/shm/mtlab-fuzz-$(id -u)-$$-$t"; fi
  mkdir -p "$corpus" "$findings" "$scratch" "$(dirname "$log")"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  extra_seeds "$t" "$corpus"
  local limits=(-max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 -artifact_prefix="$findings/")
  if ((merge)); then
    # Into a new folder, which then replaces the old one: an interrupted merge loses nothing.
    local merged="$BUILD/corpus/$t.merging"
    rm -rf "$merged" && mkdir -p "$merged"
    if TMPDIR="$scratch" ASAN_OPTIONS="$asan_options" nice -n 19 "$BUILD/bin/fuzz_$t" -merge=1 "${limits[@]}" \
      "$merged" "$corpus" \
      > "$BUILD/logs/$t.merge.log" 2>&1 && [[ -n "$(ls -A "$merged")" ]]; then
      echo "fuzz: $t: corpus merged from $(ls "$corpus" | wc -l) to $(ls "$merged" | wc -l) inputs"
      rm -rf "$corpus" && mv "$merged" "$corpus"
    else
      echo "fuzz: $t: merge failed (see $BUILD/logs/$t.merge.log); fuzzing the corpus as it is" >&2
      rm -rf "$merged"
    fi
  fi
  local before
  # libFuzzer also saves slow-unit-* (an input over -report_slow_units, 10 s): a note, not a
  # failure (the -timeout of 20 s is), and on a loaded machine mostly the machine's doing.
  before="$(count_findings "$findings")"
  touch "$scratch.start"  # to tell this run's slow units from earlier ones
  local rc=0 i logs=() fuzzers=()
  # Instances share the corpus folder: libFuzzer re-reads it every second (-reload), so each sees the others' finds.
  for ((i = 1; i <= instances; i++)); do
    logs+=("$log")
    # shellcheck disable=SC2086
    TMPDIR="$scratch" ASAN_OPTIONS="$asan_options" nice -n 19 "$BUILD/bin/fuzz_$t" "$corpus" \
      -max_total_time="$time_s" -print_final_stats=1 "${limits[@]}" ${FUZZ_ARGS:-} > "$log" 2>&1 &
    fuzzers+=($!)
    log="$BUILD/logs/$t.$((i + 1)).log"
  done
  for i in "${fuzzers[@]}"; do wait "$i" || rc=$?; done
  # CPU seconds the fuzzer got (children of this subshell): on a shared machine
  # executions per CPU second say more than executions per wall second.
  local cpu
  # (`times` is a builtin: run in this shell, not in a pipe's subshell that has no children.)
  times > "$scratch.times"
  cpu="$(tail -1 "$scratch.times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.0f", s }')"
  rm -f "$scratch.times"
  rm -rf "$scratch"
  # Executions and rates add up over the instances; coverage and corpus are the largest any reached.
  local execs rate cov ft corp new found=0 f
  local last_stat='s/^stat::%s: *//p'
  execs="$(for f in "${logs[@]}"; do sed -n "$(printf "$last_stat" number_of_executed_units)" "$f" | tail -1; done | awk '{ s += $1; n++ } END { if (n) print s }')"
  rate="$(for f in "${logs[@]}"; do sed -n "$(printf "$last_stat" average_exec_per_sec)" "$f" | tail -1; done | awk '{ s += $1; n++ } END { if (n) print s }')"
  cov="$(for f in "${logs[@]}"; do grep -oE 'cov: [0-9]+' "$f" | tail -1 | cut -d' ' -f2; done | sort -n | tail -1)"
  ft="$(for f in "${logs[@]}"; do grep -oE 'ft: [0-9]+' "$f" | tail -1 | cut -d' ' -f2; done | sort -n | tail -1)"
  corp="$(for f in "${logs[@]}"; do grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$f" | tail -1 | cut -d' ' -f2; done | sort -n | tail -1)"
  log="${logs[0]}"
  local slow=0
  for f in "$findings"/*; do
    [[ -f "$f" ]] || continue
    if [[ "$(basename "$f")" == slow-unit-* ]]; then
      [[ "$f" -nt "$scratch.start" ]] && slow=$((slow + 1))
      continue
    fi
    if [[ ! -f "tests/fuzz/corpus/$t/$(basename "$f")" ]]; then
      cp "$f" "tests/fuzz/corpus/$t/"
      found=$((found + 1))
      echo "fuzz: $t: new regression input tests/fuzz/corpus/$t/$(basename "$f") (see $log)"
    fi
  done
  local status=ok
  # 72 is libFuzzer's exit code when stopped by SIGINT (-interrupted_exitcode).
  if (($(count_findings "$findings") > before)) || ((rc != 0 && rc != 72)); then
    status="FINDING (exit $rc)"
  elif ((rc == 72)); then
    status="interrupted"
  fi
  ((slow)) && echo "fuzz: $t: $slow input(s) ran over 10 s, kept in $findings/ (replay one alone to time it)"
  rm -f "$scratch.start"
  local line
  line="$(printf '%-12s executions=%-10s exec/s=%-6s cov=%-5s ft=%-6s corpus=%-12s new_findings=%s time=%ss cpu=%ss %s' \
    "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found" "$time_s" "$cpu" "$status")"
  echo "$line"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$t" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found" "$time_s" "$cpu" "$status" >> "$BUILD/fuzz-summary.tsv"
  [[ "$status" == ok ]]
}

echo "fuzz: ${targets[*]}: ${time_s}s each, $jobs at a time (logs in $BUILD/logs/)"
failed=0
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit "$failed"
