#pragma once
// Which trials a re-run of an experiment against the same database runs again.
// Default: skip a trial that already completed with the same config hash, and
// leave failed/interrupted ones alone (reported); --rerun-failed runs those
// again; --force runs everything; --resume continues interrupted ones (in their
// own run row, from their last checkpoint, when the runner has one; otherwise as
// a new run) and leaves failed ones alone. Any other new attempt is a new run
// row: history is never overwritten.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mtlab/options/liveness.h"
#include "mtlab/storage/run_status.h"

namespace mtlab::storage {

class Database;

// How long a pending/running run of another host (or without a pid yet) may go
// without a heartbeat before it counts as dead.
inline constexpr std::chrono::seconds kStaleAfter{kDefaultHeartbeatTimeoutSeconds};

enum class RerunPolicy { skip_done, rerun_failed, force, resume };

struct TrialDecision {
  bool run = true;
  std::string reason;                       // one line for the log
  std::optional<std::int64_t> previous_run;  // the run the decision is about
  std::optional<RunStatus> previous_status;
  int previous_attempt = 0;  // its runs.attempt
  bool busy = false;       // not run: a live process owns the trial (come back later)
  bool exhausted = false;  // not run: its attempts reached max_attempts (claim_trial marks it failed)
};

// The outcome of claim_trial(): the decision, and the new run when it says run.
struct TrialClaim {
  TrialDecision decision;
  std::optional<std::int64_t> run_id;
  bool resumed = false;  // run_id is the interrupted run itself, reopened to continue
};

// The most recent completed run of `trial` in `experiment` whose config hash matches.
std::optional<std::int64_t> find_completed_run(const Database& db, std::string_view experiment,
                                               std::string_view trial, std::string_view config_hash);

// Decides from the latest run with the same experiment, trial and config hash
// (a trial whose config changed always runs). A run still pending/running is
// left to its owner (not run twice) while it is alive: on this host, while its
// process exists (decisive both ways: a long evaluation may delay the heartbeat,
// and a SIGKILLed runner is known dead at once); a run of another host (or with
// no pid yet) while its heartbeat is younger than `stale_after`. With
// RerunPolicy::resume and `max_attempts` > 0, a dead run that already was the
// trial's max_attempts-th attempt is not continued again (exhausted). A pruned run
// ([sweep.prune]) is left alone by every policy but force: its pruner promotes it.
TrialDecision decide_trial(const Database& db, std::string_view experiment, std::string_view trial,
                           std::string_view config_hash, RerunPolicy policy,
                           std::chrono::seconds stale_after = kStaleAfter, int max_attempts = 0);

// Re-keys the runs of `trial` recorded before schema version 4 whose hash is
// `legacy_hash` (config_hash_scheme 1) to `config_hash` (scheme 2), so that the
// decision sees them as this trial. Returns how many. Call inside the claim's transaction.
int adopt_legacy_hash(const Database& db, std::int64_t experiment_id, std::string_view trial,
                      std::string_view legacy_hash, std::string_view config_hash);

// Marks pending/running runs of `experiment` (all experiments when empty) that
// are not alive (as above) as interrupted, with an explanatory error. Returns how
// many. Call before deciding trials after a crash.
int mark_stale_runs_interrupted(const Database& db, std::string_view experiment,
                                std::chrono::seconds stale_after = kStaleAfter);

}  // namespace mtlab::storage
