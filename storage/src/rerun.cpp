#include "mtlab/storage/rerun.h"

#include <signal.h>
#include <unistd.h>

#include <fmt/core.h>

#include <cerrno>
#include <vector>

#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"
#include "mtlab/storage/transaction.h"
#include "sql_dialect.h"

namespace mtlab::storage {
namespace {

// Seconds since the run last showed life (heartbeat, start or creation).
std::string age_sql(const Database& db) {
  return sql::seconds_since(db, "coalesce(r.heartbeat_at, r.started_at, r.created_at)");
}

std::string this_host() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return host;
}

// Whether a pending/running run has stopped for good: on this host its process
// is gone (EPERM: it exists, owned by another user); elsewhere, or before it
// has a pid, its last sign of life is older than `stale_after`.
bool is_dead(const std::string& host, std::optional<std::int64_t> pid, double age, std::chrono::seconds stale_after) {
  if (pid && *pid > 0 && host == this_host()) return !(kill(static_cast<pid_t>(*pid), 0) == 0 || errno == EPERM);
  return age > static_cast<double>(stale_after.count());
}

}  // namespace

std::optional<std::int64_t> find_completed_run(const Database& db, std::string_view experiment,
                                               std::string_view trial, std::string_view config_hash) {
  auto q = db.prepare(
      "SELECT r.id FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id "
      "WHERE e.name = ?1 AND r.trial = ?2 AND r.config_hash = ?3 AND r.status = 'completed' "
      "ORDER BY r.id DESC LIMIT 1",
      "find a completed run of the trial");
  q.bind_all(experiment, trial, config_hash);
  if (!q.step()) return std::nullopt;
  return q.get_int(0);
}

TrialDecision decide_trial(const Database& db, std::string_view experiment, std::string_view trial,
                           std::string_view config_hash, RerunPolicy policy, std::chrono::seconds stale_after,
                           int max_attempts) {
  TrialDecision d;
  // The latest run is read before the completed one: a run that completes in
  // between (another process's status change; PostgreSQL reads each statement
  // at its own moment) is then found completed, never taken for a resumable one.
  auto q = db.prepare(fmt::format("SELECT r.id, r.status, {}, r.pid, r.host, r.attempt FROM runs AS r "
                                  "JOIN experiments AS e ON e.id = r.experiment_id "
                                  "WHERE e.name = ?1 AND r.trial = ?2 AND r.config_hash = ?3 "
                                  "ORDER BY r.id DESC LIMIT 1",
                                  age_sql(db)),
                      "find the latest run of the trial");
  q.bind_all(experiment, trial, config_hash);
  const bool any = q.step();
  if (auto done = find_completed_run(db, experiment, trial, config_hash)) {
    d.previous_run = done;
    d.previous_status = RunStatus::completed;
    if (policy == RerunPolicy::force) {
      d.run = true;
      d.reason = fmt::format("completed as run {}, running again (--force)", *done);
    } else {
      d.run = false;
      d.reason = fmt::format("already completed with the same config as run {} (--force runs it again)", *done);
    }
    return d;
  }
  if (!any) {
    d.run = true;
    d.reason = "new trial";
    return d;
  }
  const auto id = q.get_int(0);
  auto status = parse_run_status(q.get_text(1));
  const double age = q.get_double(2);
  d.previous_run = id;
  d.previous_status = status;
  d.previous_attempt = static_cast<int>(q.get_int(5));
  const bool stale = is_dead(q.get_text(4), q.get_optional_int(3), age, stale_after);
  if (policy == RerunPolicy::force) {
    d.run = true;
    d.reason = fmt::format("run {} is {}, running again (--force)", id, to_string(status));
    return d;
  }
  if (status == RunStatus::pruned) {  // its sweep's pruner, not a re-run, continues it (promotion)
    d.run = false;
    d.reason = fmt::format("run {} was pruned ([sweep.prune] stopped it early; --force runs it again)", id);
    return d;
  }
  if ((status == RunStatus::pending || status == RunStatus::running) && !stale) {
    d.run = false;
    d.busy = true;
    d.reason = fmt::format("run {} is {} (pid {} on {}, last heartbeat {:.0f} s ago); left to it", id,
                           to_string(status), q.is_null(3) ? std::string("?") : std::to_string(q.get_int(3)),
                           q.get_text(4), age);
    return d;
  }
  const std::string what = (status == RunStatus::pending || status == RunStatus::running)
                               ? fmt::format("stopped without finishing (no sign of life for {:.0f} s)", age)
                               : std::string(to_string(status));
  if (policy == RerunPolicy::resume && status != RunStatus::failed && max_attempts > 0 &&
      d.previous_attempt >= max_attempts) {
    d.run = false;
    d.exhausted = true;
    d.reason = fmt::format("run {} {}; attempt {} of {} allowed (experiment.max_retries): not run again", id, what,
                           d.previous_attempt, max_attempts);
    return d;
  }
  if (policy == RerunPolicy::resume && status != RunStatus::failed) {
    d.run = true;
    d.reason = fmt::format("run {} {}, resuming (--resume)", id, what);
    return d;
  }
  d.run = policy == RerunPolicy::rerun_failed;
  d.reason = d.run                         ? fmt::format("run {} {}, running again (--rerun-failed)", id, what)
             : status == RunStatus::failed ? fmt::format("run {} {} (--rerun-failed runs it again)", id, what)
                                           : fmt::format("run {} {} (mtlab run --resume continues it; --rerun-failed "
                                                         "starts it over)", id, what);
  return d;
}

int adopt_legacy_hash(const Database& db, std::int64_t experiment_id, std::string_view trial,
                      std::string_view legacy_hash, std::string_view config_hash) {
  if (legacy_hash.empty() || legacy_hash == config_hash) return 0;
  db.prepare("UPDATE runs SET config_hash = ?4, config_hash_scheme = 2 WHERE experiment_id = ?1 AND trial = ?2 "
             "AND config_hash = ?3 AND config_hash_scheme = 1",
             "re-key runs hashed before schema version 4")
      .bind_all(experiment_id, trial, legacy_hash, config_hash)
      .run();
  return static_cast<int>(db.changes());
}

int mark_stale_runs_interrupted(const Database& db, std::string_view experiment, std::chrono::seconds stale_after) {
  Transaction tx(db, "mark stale runs interrupted");
  auto candidates = db.prepare(
      fmt::format("SELECT r.id, r.host, r.pid, {} FROM runs AS r WHERE r.status IN ('pending', 'running') "
                  "AND (?1 = '' OR r.experiment_id = (SELECT id FROM experiments WHERE name = ?1))",
                  age_sql(db)),
      "find stale runs");
  candidates.bind_all(experiment);
  std::vector<std::int64_t> dead;
  while (candidates.step()) {
    if (is_dead(candidates.get_text(1), candidates.get_optional_int(2), candidates.get_double(3), stale_after)) {
      dead.push_back(candidates.get_int(0));
    }
  }
  auto mark = db.prepare(
      fmt::format("UPDATE runs SET status = 'interrupted', ended_at = coalesce(heartbeat_at, started_at, created_at), "
                  "duration_s = {}, error = coalesce(error || {}, '') || 'interrupted: no heartbeat since ' || "
                  "coalesce(heartbeat_at, started_at, created_at) || ' and process ' || "
                  "coalesce(CAST(pid AS TEXT), '?') || ' on ' || coalesce(host, '?') || ' is gone' "
                  "WHERE id = ?1 AND status IN ('pending', 'running')",
                  sql::run_seconds_until(db, "coalesce(heartbeat_at, resumed_at, started_at, created_at)"),
                  sql::newline(db)),
      "mark stale run interrupted");
  for (auto id : dead) mark.bind_all(id).run();
  tx.commit();
  return static_cast<int>(dead.size());
}

}  // namespace mtlab::storage
