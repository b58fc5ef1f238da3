#pragma once
// An experiment's trials as published for workers (`mtlab run --workers`,
// `mtlab worker`): each a position in the sweep, its name and config hash, and
// the trial file (spec/trial_file.h) a worker runs it from, so a worker on any
// host needs nothing but the database. Publishing is idempotent; publishing a
// different sweep under the same experiment name is refused.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab::storage {

class Database;

struct QueuedTrial {
  std::int64_t position = 0;  // 0-based, the sweep's order
  std::string trial;
  std::string config_hash;
  std::string trial_json;
};

// Inserts the trials not yet queued; throws naming the experiment and the first
// position whose queued trial differs (another spec, or the same spec changed).
// Call inside a transaction.
void publish_trials(const Database& db, std::int64_t experiment_id, const std::vector<QueuedTrial>& trials);
// The queued trials of `experiment`, in order (empty when none were published).
std::vector<QueuedTrial> queued_trials(const Database& db, std::string_view experiment);

}  // namespace mtlab::storage
