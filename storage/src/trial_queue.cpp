#include "mtlab/storage/trial_queue.h"

#include <fmt/core.h>

#include "mtlab/core/error.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {

void publish_trials(const Database& db, std::int64_t experiment_id, const std::vector<QueuedTrial>& trials) {
  auto insert = db.prepare(
      "INSERT INTO trial_queue (experiment_id, position, trial, config_hash, trial_json) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (experiment_id, position) DO NOTHING",
      "queue the experiment's trials");
  auto queued = db.prepare("SELECT trial, config_hash FROM trial_queue WHERE experiment_id = ?1 AND position = ?2",
                           "read a queued trial");
  for (const auto& t : trials) {
    insert.bind_all(experiment_id, t.position, t.trial, t.config_hash, t.trial_json).run();
    queued.reset();
    queued.bind_all(experiment_id, t.position);
    queued.step();
    if (queued.get_text(1) != t.config_hash) {
      throw Error(fmt::format(
          "experiment {}: trial {} ('{}') was already queued by workers with another config ('{}', hash {}); "
          "expected the same sweep as the workers already running it: use another experiment.name for a changed spec",
          experiment_id, t.position + 1, t.trial, queued.get_text(0), queued.get_text(1).substr(0, 12)));
    }
  }
  auto count = db.prepare("SELECT count(*) FROM trial_queue WHERE experiment_id = ?1", "count queued trials");
  count.bind_all(experiment_id);
  count.step();
  if (count.get_int(0) != static_cast<std::int64_t>(trials.size())) {
    throw Error(fmt::format("experiment {}: {} trials are queued, this sweep has {} (expected the same sweep as the "
                            "workers already running it: use another experiment.name for a changed spec)",
                            experiment_id, count.get_int(0), trials.size()));
  }
}

std::vector<QueuedTrial> queued_trials(const Database& db, std::string_view experiment) {
  auto q = db.prepare(
      "SELECT q.position, q.trial, q.config_hash, q.trial_json FROM trial_queue AS q "
      "JOIN experiments AS e ON e.id = q.experiment_id WHERE e.name = ?1 ORDER BY q.position",
      "read the queued trials");
  q.bind_all(experiment);
  std::vector<QueuedTrial> out;
  while (q.step()) out.push_back({q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3)});
  return out;
}

}  // namespace mtlab::storage
