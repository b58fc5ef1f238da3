#!/usr/bin/env bash
# The cluster launch recipes of scripts/cluster/, run for real on a one-node
# Slurm cluster started here (Debian's slurm-wlm: munged, slurmctld and slurmd on
# this host, in a temporary folder, as root):
#   1. slurm-workers.sbatch as a 2-task job array on a 2-trial sweep (tiny BERT,
#      ATIS slice): every trial completed exactly once, by two workers (two
#      pids), each with the threads its --cpus-per-task gave it;
#   2. the same array with one task requeued (`scontrol requeue`) while its
#      trial runs: the task runs the script again and joins the sweep again; the
#      interrupted trial is resumed, still one run per trial, all completed;
#   3. slurm-ddp.sbatch over 2 tasks: the command line srun starts per rank
#      (rank variables, MASTER_ADDR/MASTER_PORT, threads) and, when this mtlab
#      has data-parallel training (`mtlab run --nproc`), the trial itself;
#   4. k8s-workers.yaml: parsed and its objects checked against each other
#      (scripts/cluster/check_k8s.py, shown to catch two planted mistakes);
#      the worker Job's 4 pods run as local processes, started as a kubelet
#      would (env from the Secret and the completion index, the ConfigMap's
#      spec, volumes mapped to folders): each trial once; with --nproc, the
#      data-parallel Job's 2 pods too.
# Every daemon and job is stopped and the folder removed at the end, also on
# failure (after the logs are shown) or when the time limit passes.
#
# Usage: scripts/test-cluster.sh [--build DIR] [--timeout SECONDS] [--postgres] [--phases LIST] [--keep]
#   --build DIR      build tree holding bin/mtlab (default $MTLAB_BUILD_DIR or build)
#   --timeout S      fail when the whole test takes longer (default 300)
#   --postgres       results store in a throwaway PostgreSQL (scripts/pg_local.sh)
#                    instead of a SQLite file
#   --phases LIST    the checks to run, e.g. 1,3 (default 1,2,3,4)
#   --keep           keep the work folder (daemons' logs, job logs, stores)
# Needs root (apt-get installs slurm-wlm and munge when missing; the daemons run
# as root). Exit code 0 when every check passed, 77 when it cannot run here.
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${MTLAB_BUILD_DIR:-build}"
limit=300
postgres=0
keep=0
phases=1,2,3,4
while (($#)); do
  case "$1" in
    --build) build="${2:?--build needs a folder}"; shift 2 ;;
    --timeout) limit="${2:?--timeout needs seconds}"; shift 2 ;;
    --postgres) postgres=1; shift ;;
    --keep) keep=1; shift ;;
    --phases) phases="${2:?--phases needs a list}"; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "test-cluster: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$limit" =~ ^[0-9]+$ ]] || { echo "test-cluster: --timeout takes seconds" >&2; exit 2; }
[[ "$build" = /* ]] || build="$repo/$build"
mtlab="$build/bin/mtlab"
[[ -x "$mtlab" ]] || { echo "test-cluster: $mtlab not found: build mtlab first (scripts/setup.sh)" >&2; exit 2; }
data="${MTLAB_DATA:-${MTLAB_SHARED:-$repo/../shared}/data}"
[[ -d "$data/atis/train" ]] || { echo "test-cluster: $data/atis/train not found (set MTLAB_DATA)" >&2; exit 2; }
data="$(cd "$data" && pwd)"
recipes="$repo/scripts/cluster"
deadline=$((SECONDS + limit))

say() { echo "test-cluster: $*"; }
fail() { echo "test-cluster: FAILED: $*" >&2; exit 1; }
# Runs "$@" until it succeeds; fails naming $1 when the deadline passes first.
wait_for() {
  local what="$1"; shift
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for $what"
    sleep 0.5
  done
}
# A Slurm client call; none may hang the test.
sl() { timeout 30 "$@"; }
# Seconds left before the deadline (at least 1: `timeout 0` would mean none).
left() { echo $((deadline > SECONDS + 1 ? deadline - SECONDS : 1)); }

# --- Slurm and munge from Debian ---------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
    || ! command -v sbatch >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then say "SKIPPED: slurm-wlm and munge are not installed and this is not root"; exit 77; fi
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt_get() { timeout 300 apt-get "$@" >/dev/null 2>&1; }
  apt_get install -y --no-install-recommends slurm-wlm munge \
    || { apt_get update && apt_get install -y --no-install-recommends slurm-wlm munge; } \
    || { say "SKIPPED: apt-get could not install slurm-wlm munge"; exit 77; }
fi
[[ $(id -u) -eq 0 ]] || { say "SKIPPED: slurmd must run as root to start jobs"; exit 77; }

# A short path: munge's socket must fit in a unix socket address.
work="$(mktemp -d /tmp/mtlab-slurm.XXXXXX)"
chmod 755 "$work"
conf="$work/slurm.conf"
export SLURM_CONF="$conf"
finished=0
cleanup() {
  local code=$?
  set +e
  if [[ -f "$conf" ]]; then
    sl scancel --quiet --full "--name=mtlab-workers,mtlab-ddp" 2>/dev/null
    local t=$((SECONDS + 15))
    while ((SECONDS < t)) && [[ -n "$(sl squeue -h 2>/dev/null)" ]]; do sleep 0.5; done
    sl scontrol shutdown >/dev/null 2>&1
  fi
  # Whatever is left of the daemons (by their pid files) and of the jobs (by
  # SLURM_CONF, which names this folder, in their environment).
  local pidfile pid t=$((SECONDS + 10))
  for pidfile in "$work/slurmctld.pid" "$work/slurmd.pid"; do
    pid="$(cat "$pidfile" 2>/dev/null)" || continue
    while ((SECONDS < t)) && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  for pid in $(grep -lzx "SLURM_CONF=$conf" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [[ "$pid" != "$$" ]] && kill -KILL "$pid" 2>/dev/null
  done
  [[ -S "$work/run/munge.sock" ]] && timeout 10 munged --stop --socket="$work/run/munge.sock" >/dev/null 2>&1
  ((postgres)) && "$repo/scripts/pg_local.sh" stop "$work/pg" >/dev/null 2>&1
  if ((keep)); then
    say "work folder kept: $work"
  else
    rm -rf "$work"
    ((finished)) || say "(the logs above; --keep keeps the work folder)"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# Shows the daemons' and jobs' logs after a failure.
show_logs() {
  local f
  for f in "$work"/slurmctld.log "$work"/slurmd.log "$work"/exp*/*.log "$work"/ddp/*.log; do
    [[ -f "$f" ]] && { echo "--- $f (last lines)"; tail -n 25 "$f"; }
  done
}
fail() { echo "test-cluster: FAILED: $*" >&2; show_logs >&2; exit 1; }

# --- munge ---------------------------------------------------------------------
# munged checks its folders: the key's private, the socket's open to all.
mkdir -p "$work/munge" "$work/run"
chmod 700 "$work/munge"
chmod 755 "$work/run"
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
munged --key-file="$work/munge/munge.key" --socket="$work/run/munge.sock" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed" \
  || fail "munged did not start: $(tail -n 3 "$work/munge/munged.log" 2>/dev/null)"

# --- slurm.conf ------------------------------------------------------------------
host="$(hostname -s)"
# Ports nobody listens on (two runs of this test at once pick different ones).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
}
ctld_port="$(free_port)"
slurmd_port="$(free_port)"
[[ "$slurmd_port" != "$ctld_port" ]] || slurmd_port=$((ctld_port + 1))
mkdir -p "$work/state" "$work/spool"
cat >"$conf" <<EOF
ClusterName=mtlabtest
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: a requeued job waits this long before it may start again (120 s by default).
AuthInfo=socket=$work/run/munge.sock,cred_expire=10
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
# No cgroups in a container: track a job's processes by their parent pids.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
# Two CPUs: two array tasks of one CPU each run at once, even on a 2-core host.
# (config_overrides: slurmd takes this line as it is, whatever the hardware.)
SlurmdParameters=config_overrides
NodeName=$host CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=30 State=UP
EOF

slurmctld -f "$conf" -i || fail "slurmctld did not start"
slurmd -f "$conf" || fail "slurmd did not start"
node_idle() { sl sinfo -h -N -o %t 2>/dev/null | grep -qx idle; }
wait_for "the node to be idle (sinfo)" node_idle
say "Slurm $(sl sinfo -V | cut -d' ' -f2) up: node $host, controller port $ctld_port"

# --- the experiment --------------------------------------------------------------
export MTLAB="$mtlab" MTLAB_DATA="$data" MTLAB_PLUGIN_PATH=
if ((postgres)); then
  [[ -x "$repo/scripts/pg_local.sh" ]] || fail "--postgres needs scripts/pg_local.sh"
  store="$("$repo/scripts/pg_local.sh" start "$work/pg")" || fail "PostgreSQL did not start"
  "$mtlab" query "$store" "SELECT 1" >/dev/null || fail "this mtlab cannot open $store"
fi

# Two trials (seeds) of a tiny from-scratch BERT on an ATIS slice, a few seconds
# each; a resume checkpoint every 4 steps. $1: name, $2: epochs.
write_spec() {
  mkdir -p "$work/$1"
  cat >"$work/$1/exp.toml" <<EOF
[experiment]
name = "$1"
seed = 5
database = "\${MTLAB_DB}"
output = "runs"

[backbone]
plugin = "bert"
max_length = 48

[backbone.init]
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
max_position_embeddings = 64

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "joint"
train = "\${MTLAB_DATA}/atis/train"
dev = "\${MTLAB_DATA}/atis/dev"
test = "\${MTLAB_DATA}/atis/test"
limit_train = 1024
limit_dev = 64
limit_test = 64

[optimizer]
lr = 2e-3

[training]
epochs = $2
batch_size = 32
checkpoint_every = 4

[sweep]
seeds = [1, 2]
EOF
}

# One value of one SQL statement on the store.
sql() { timeout 60 "$mtlab" query "$MTLAB_DB" "$1" --csv | sed -n 2p | tr -d '\r'; }  # CSV lines end in CRLF
expect() {  # expect WHAT SQL VALUE
  local got
  got="$(sql "$2")"
  [[ "$got" == "$3" ]] || fail "$1: expected $3, got '$got' ($2)"
}

# Submits slurm-workers.sbatch as an array of 2 tasks of 1 CPU in $work/$1; prints the job id.
# OMP_NUM_THREADS=2 in the submitting environment (which sbatch passes on) is
# what the script must replace by the task's CPUs: runs.threads shows which won.
submit_workers() {
  OMP_NUM_THREADS=2 sl sbatch --parsable --array=0-1 --cpus-per-task=1 --chdir="$work/$1" \
    --output="$work/$1/worker-%a.log" "$recipes/slurm-workers.sbatch" exp.toml
}
job_gone() { [[ -z "$(sl squeue -h -j "$1" 2>/dev/null)" ]]; }
# Every task of job $1 completed with exit code 0 (scontrol keeps finished jobs for MinJobAge).
expect_completed() {
  local states
  states="$(sl scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*\|ExitCode=[0-9:]*' | paste -sd' ')"
  [[ "$(sl scontrol -o show job "$1" | grep -c 'JobState=COMPLETED .*ExitCode=0:0')" == "$2" ]] \
    || fail "job $1: expected $2 task(s) COMPLETED with exit code 0, got: $states"
}

# --- 1. a sweep over a job array of workers --------------------------------------
phase_workers() {
  write_spec workers 2
  export MTLAB_DB="${store:-$work/workers/results.db}"
  say "1. slurm-workers.sbatch, 2 array tasks, 2-trial sweep"
  jid="$(submit_workers workers)" || fail "sbatch refused slurm-workers.sbatch"
  wait_for "job array $jid to finish" job_gone "$jid"
  expect_completed "$jid" 2
  expect "queued trials" "SELECT count(*) FROM trial_queue" 2
  expect "runs (one per trial)" "SELECT count(*) FROM runs" 2
  expect "completed runs" "SELECT count(*) FROM runs WHERE status = 'completed'" 2
  expect "distinct trials" "SELECT count(DISTINCT trial) FROM runs" 2
  expect "workers that ran a trial (distinct host and pid)" "SELECT count(DISTINCT host || ':' || pid) FROM runs" 2
  expect "LibTorch threads = --cpus-per-task" "SELECT min(threads) || '-' || max(threads) FROM runs" "1-1"
  say "1. ok: 2 trials, each completed once, by 2 workers with 1 thread each"
}

# --- 2. a requeued array task joins again ----------------------------------------
phase_requeue() {
  # 40 epochs: about 13 s of training per trial on 2 cores, so that the requeue
  # lands while the run trains even on a loaded machine (6 epochs, under 2 s since
  # training got faster, finished first under ctest -j2).
  write_spec requeue 40
  export MTLAB_DB="${store:-$work/requeue/results.db}"
  say "2. slurm-workers.sbatch, one task requeued while it trains"
  jid="$(submit_workers requeue)" || fail "sbatch refused slurm-workers.sbatch"
  # The first resume checkpoint written; its run's pid names the worker, and the
  # worker's log its array task.
  checkpoint() { find "$work/requeue/runs" -name state.pt 2>/dev/null | grep -q .; }
  wait_for "a resume checkpoint in $work/requeue/runs" checkpoint
  run="$(find "$work/requeue/runs" -name state.pt | head -n 1 | grep -o 'run-[0-9]*/' | tr -dc 0-9)"
  pid="$(sql "SELECT pid FROM runs WHERE id = $run")"
  task="$(grep -l "^worker $pid:" "$work"/requeue/worker-*.log | sed 's/.*worker-\([0-9]*\)\.log/\1/')"
  [[ "$task" =~ ^[01]$ ]] || fail "no worker log names pid '$pid' (run $run)"
  sl scontrol requeue "${jid}_$task" || fail "scontrol requeue ${jid}_$task refused"
  say "2. requeued task $task (worker $pid) while its run $run trained"
  wait_for "job array $jid to finish" job_gone "$jid"
  expect_completed "$jid" 2
  expect "runs (one per trial)" "SELECT count(*) FROM runs" 2
  expect "completed runs" "SELECT count(*) FROM runs WHERE status = 'completed'" 2
  expect "the interrupted run, resumed as its second attempt" "SELECT count(*) FROM runs WHERE id = $run AND attempt = 2" 1
  starts="$(grep -c '^mtlab worker: job' "$work/requeue/worker-$task.log")"
  [[ "$starts" == 2 ]] || fail "task $task's log shows $starts start(s) of the script, expected 2 (requeued once)"
  grep -q "restart 1 on" "$work/requeue/worker-$task.log" || fail "task $task's second start does not say restart 1"
  say "2. ok: the requeued task started again and joined; run $run resumed; 2 trials, each one run, completed"
}

# --- 3. a data-parallel trial over srun ------------------------------------------
phase_ddp() {
  # First the command line srun starts for each rank, with a stand-in for mtlab
  # that writes down its arguments and environment; RANK and WORLD_SIZE leaked
  # from the submitting shell must not reach it (torchrun's would win over Slurm's).
  mkdir -p "$work/ddp"
  cat >"$work/ddp/record-rank" <<'EOF'
#!/usr/bin/env bash
{ echo "args=$*"; env | grep -E '^(SLURM_PROCID|SLURM_NTASKS|SLURM_LOCALID|MASTER_ADDR|MASTER_PORT|OMP_NUM_THREADS|RANK|WORLD_SIZE|LOCAL_RANK)=' | sort; } \
  >"rank-$SLURM_PROCID.txt"
EOF
  chmod +x "$work/ddp/record-rank"
  say "3. slurm-ddp.sbatch over 2 tasks: the command each rank runs"
  jid="$(RANK=5 WORLD_SIZE=9 MTLAB="$work/ddp/record-rank" sl sbatch --parsable --nodes=1 --ntasks=2 --cpus-per-task=1 \
    --chdir="$work/ddp" --output="$work/ddp/record-%j.log" "$recipes/slurm-ddp.sbatch" exp.toml)" \
    || fail "sbatch refused slurm-ddp.sbatch"
  wait_for "job $jid to finish" job_gone "$jid"
  expect_completed "$jid" 1
  for rank in 0 1; do
    want="$(printf '%s\n' "args=run exp.toml --no-progress" "MASTER_ADDR=$host" "MASTER_PORT=$((20000 + jid % 20000))" \
      OMP_NUM_THREADS=1 "SLURM_LOCALID=$rank" SLURM_NTASKS=2 "SLURM_PROCID=$rank")"
    got="$(cat "$work/ddp/rank-$rank.txt" 2>/dev/null)"
    [[ "$got" == "$want" ]] || fail "rank $rank ran with: $(echo $got) (expected: $(echo $want))"
  done
  say "3. ok: srun started ranks 0 and 1 of 2, master $host:$((20000 + jid % 20000)), torchrun's variables cleared"

  if "$mtlab" run --help | grep -q -- '--nproc'; then
    write_spec ddp 1
    sed -i 's/^seeds = .*/seeds = [1]/' "$work/ddp/exp.toml"
    export MTLAB_DB="${store:-$work/ddp/results.db}"
    say "3. slurm-ddp.sbatch over 2 tasks: one trial trained by 2 ranks"
    jid="$(MTLAB="$mtlab" sl sbatch --parsable --nodes=1 --ntasks=2 --cpus-per-task=1 --chdir="$work/ddp" \
      --output="$work/ddp/ddp-%j.log" "$recipes/slurm-ddp.sbatch" exp.toml)" || fail "sbatch refused slurm-ddp.sbatch"
    wait_for "job $jid to finish" job_gone "$jid"
    expect_completed "$jid" 1
    expect "runs" "SELECT count(*) FROM runs" 1
    expect "completed runs" "SELECT count(*) FROM runs WHERE status = 'completed'" 1
    expect "ranks recorded" "SELECT value FROM run_facts WHERE key = 'data_parallel.ranks'" 2
    say "3. ok: one run, completed, trained by 2 ranks"
  else
    say "3. the trial itself not run: this mtlab has no data-parallel training (mtlab run --nproc)"
  fi
}

# --- 4. the Kubernetes examples --------------------------------------------------
phase_k8s() {
  # No cluster here: the manifest is parsed and its objects checked against each
  # other (check_k8s.py), the checker is shown to catch two mistakes, and the
  # worker Job's pods run as local processes, as a kubelet would start them (env
  # from the Secret and the completion index, the ConfigMap's spec, the volumes
  # mapped to local folders) against this test's store.
  say "4. k8s-workers.yaml"
  k8s="$recipes/k8s-workers.yaml"
  python3 -c 'import yaml' 2>/dev/null || timeout 300 apt-get install -y --no-install-recommends python3-yaml >/dev/null 2>&1 \
    || fail "python3 cannot import yaml (apt-get install python3-yaml)"
  python3 "$recipes/check_k8s.py" "$k8s" >/dev/null || fail "check_k8s.py rejects $k8s"
  mkdir -p "$work/k8s/runs"
  sed -e 's|url: postgresql://mtlab@|url: postgresql://mtlab:secret@|' -e 's|value: "2"|value: "3"|' "$k8s" >"$work/k8s/broken.yaml"
  python3 "$recipes/check_k8s.py" "$work/k8s/broken.yaml" >"$work/k8s/broken.log" 2>&1 \
    && fail "check_k8s.py accepted a password in the URL and WORLD_SIZE 3 for 2 ranks"
  grep -q "password inside the URL" "$work/k8s/broken.log" && grep -q "WORLD_SIZE 3 != completions 2" "$work/k8s/broken.log" \
    || fail "check_k8s.py did not name both mistakes: $(cat "$work/k8s/broken.log")"
  export MTLAB_DB="${store:-$work/k8s/results.db}"
  python3 "$recipes/check_k8s.py" "$k8s" --pods "$work/k8s/pods" --volume "mtlab-data=$data" \
    --volume "mtlab-runs=$work/k8s/runs" --secret "mtlab-postgres.url=$MTLAB_DB" --cpu-limit 1 \
    --host "mtlab-ddp-0.mtlab-ddp=127.0.0.1" --env "MASTER_PORT=$(free_port)" >/dev/null || fail "check_k8s.py --pods failed"
  # The pods' command is `mtlab …`: this build's, first on PATH.
  pods=()
  for script in "$work"/k8s/pods/mtlab-workers-*.sh; do
    PATH="$build/bin:$PATH" timeout "$(left)" bash "$script" >"${script%.sh}.log" 2>&1 &
    pods+=($!)
  done
  for pid in "${pods[@]}"; do wait "$pid" || fail "a worker pod exited with $? (see $work/k8s/pods/*.log)"; done
  expect "queued trials" "SELECT count(*) FROM trial_queue WHERE experiment_id = (SELECT id FROM experiments WHERE name = 'k8s-sweep')" 4
  expect "runs (one per trial)" "SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = 'k8s-sweep'" 4
  expect "completed runs" "SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = 'k8s-sweep' AND r.status = 'completed'" 4
  workers="$(sql "SELECT count(DISTINCT pid) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = 'k8s-sweep'")"
  ((workers >= 2)) || fail "the 4 trials were run by $workers worker(s), expected several"
  say "4. ok: manifest consistent; ${#pods[@]} worker pods ran the 4 trials once each ($workers workers took some)"
  if "$mtlab" run --help | grep -q -- '--nproc'; then
    pods=()
    for script in "$work"/k8s/pods/mtlab-ddp-*.sh; do
      PATH="$build/bin:$PATH" timeout "$(left)" bash "$script" >"${script%.sh}.log" 2>&1 &
      pods+=($!)
    done
    for pid in "${pods[@]}"; do wait "$pid" || fail "a data-parallel pod exited with $? (see $work/k8s/pods/*.log)"; done
    expect "data-parallel runs of k8s-ddp with 2 ranks" "SELECT count(*) FROM run_facts f JOIN runs r ON r.id = f.run_id JOIN experiments e ON e.id = r.experiment_id WHERE e.name = 'k8s-ddp' AND f.key = 'data_parallel.ranks' AND f.value = '2' AND r.status = 'completed'" 4
    say "4. ok: the data-parallel Job's 2 pods trained the 4 trials together"
  fi
}

for phase in ${phases//,/ }; do
  case "$phase" in
    1) phase_workers ;; 2) phase_requeue ;; 3) phase_ddp ;; 4) phase_k8s ;;
    *) fail "--phases: no phase $phase (1-4)" ;;
  esac
done
finished=1
