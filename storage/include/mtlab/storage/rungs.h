#pragma once
// The rungs of pruned sweeps ([sweep.prune]): each judgement of a trial at a
// rung — its value, the rule's cutoff against the other trials' values there,
// and the decision — one row of `rungs` per (run, rung), so a reader sees why
// each trial stopped. An ASHA promotion turns a paused row into promoted and the
// pruned run into a running one in one transaction: of any number of processes
// promoting one trial, one wins.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/storage/run_status.h"

namespace mtlab::storage {

class Database;

struct RungRecord {
  std::int64_t run_id = 0;
  int rung = 0;
  std::int64_t resource = 0;      // epochs or steps done when judged
  std::string unit;               // "epochs" | "steps"
  std::int64_t max_resource = 0;  // where the trial completes
  std::int64_t step = 0;          // the optimizer step of the evaluation
  double value = 0;               // training.metric on dev
  std::string method;             // "asha" | "median"
  std::string decision;           // "continued" | "paused" | "promoted" | "pruned"
  std::int64_t peers = 0;         // values at the rung the rule compared (asha: itself included)
  std::optional<double> cutoff;   // the value to match: asha the worst of the top 1/eta, median the median
  std::string rule;               // the rule in words: "top 2 of 7 (eta 3)"
};

// A row with its run, as pruners and `compare` read them.
struct RungEntry : RungRecord {
  std::string trial;
  std::string config_hash;
  RunStatus status = RunStatus::pending;
  std::string decided_at;
  std::optional<std::string> promoted_at;
};

// Inserts or replaces the run's row at the rung (a resumed run judges it again).
void record_rung(const Database& db, const RungRecord& record);
// Every row of the experiment's runs, by run then rung.
std::vector<RungEntry> rung_entries(const Database& db, std::string_view experiment);
// Promotes a paused run: its row at `rung` paused → promoted and the run pruned →
// running for this process (pid, host), atomically. False when another process
// promoted it first, or it is no longer paused. Call inside a transaction.
bool promote_run(const Database& db, std::int64_t run_id, int rung, std::string_view host);

}  // namespace mtlab::storage
