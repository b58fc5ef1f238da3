#include "sql_dialect.h"

#include <fmt/format.h>

#include "mtlab/storage/statement.h"

namespace mtlab::storage::sql {
namespace {
bool pg(const Database& db) { return db.dialect() == Dialect::postgresql; }
}  // namespace

std::string seconds_between(const Database& db, std::string_view later, std::string_view earlier) {
  if (pg(db)) {
    return fmt::format("CAST(EXTRACT(EPOCH FROM (CAST({} AS timestamptz) - CAST({} AS timestamptz))) AS DOUBLE PRECISION)",
                       later, earlier);
  }
  return fmt::format("((julianday({}) - julianday({})) * 86400.0)", later, earlier);
}

std::string run_seconds_until(const Database& db, std::string_view end) {
  return fmt::format("(coalesce(duration_s, 0) + {})", seconds_between(db, end, "coalesce(resumed_at, started_at)"));
}

std::string reopen_run(const Database& db, std::string_view note) {
  return fmt::format("status = 'running', ended_at = NULL, "
                     "duration_s = CASE WHEN status IN ('pending', 'running') THEN {} ELSE duration_s END, "
                     "resumed_at = ?2, heartbeat_at = ?2, pid = ?3, host = coalesce(nullif(?4, ''), host), "
                     "error = coalesce(error || {}, '') || {}",
                     run_seconds_until(db, "coalesce(heartbeat_at, resumed_at, started_at)"), newline(db), note);
}

std::string seconds_since(const Database& db, std::string_view earlier) {
  if (pg(db)) {
    return fmt::format("CAST(EXTRACT(EPOCH FROM (clock_timestamp() - CAST({} AS timestamptz))) AS DOUBLE PRECISION)",
                       earlier);
  }
  return seconds_between(db, "'now'", earlier);
}

std::string newline(const Database& db) { return pg(db) ? "chr(10)" : "char(10)"; }

std::string begin_write(const Database& db) { return pg(db) ? "BEGIN" : "BEGIN IMMEDIATE"; }

void lock_experiment_claims(const Database& db, std::int64_t experiment_id) {
  if (!pg(db)) return;
  auto lock = db.prepare("SELECT pg_advisory_xact_lock(hashtext('mtlab trial claims'), CAST(?1 AS INTEGER))",
                         "wait for other claims of the experiment");
  lock.bind_all(experiment_id).run();
}

}  // namespace mtlab::storage::sql
