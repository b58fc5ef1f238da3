#include "mtlab/storage/rungs.h"

#include <fmt/format.h>
#include <unistd.h>

#include "mtlab/storage/clock.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"
#include "sql_dialect.h"

namespace mtlab::storage {

void record_rung(const Database& db, const RungRecord& r) {
  db.prepare("DELETE FROM rungs WHERE run_id = ?1 AND rung = ?2", "replace a rung judgement")
      .bind_all(r.run_id, static_cast<std::int64_t>(r.rung))
      .run();
  auto insert = db.prepare(
      "INSERT INTO rungs (run_id, rung, resource, unit, max_resource, step, value, method, decision, peers, cutoff, "
      "rule, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
      "record a rung judgement");
  insert.bind_all(r.run_id, static_cast<std::int64_t>(r.rung), r.resource, r.unit, r.max_resource, r.step, r.value,
                  r.method, r.decision, r.peers, r.cutoff, r.rule, iso_utc_now());
  insert.run();
}

std::vector<RungEntry> rung_entries(const Database& db, std::string_view experiment) {
  auto q = db.prepare(
      "SELECT g.run_id, g.rung, g.resource, g.unit, g.max_resource, g.step, g.value, g.method, g.decision, g.peers, "
      "g.cutoff, g.rule, r.trial, r.config_hash, r.status, g.decided_at, g.promoted_at "
      "FROM rungs AS g JOIN runs AS r ON r.id = g.run_id JOIN experiments AS e ON e.id = r.experiment_id "
      "WHERE e.name = ?1 ORDER BY g.run_id, g.rung",
      "read the experiment's rungs");
  q.bind_all(experiment);
  std::vector<RungEntry> out;
  while (q.step()) {
    RungEntry e;
    e.run_id = q.get_int(0);
    e.rung = static_cast<int>(q.get_int(1));
    e.resource = q.get_int(2);
    e.unit = q.get_text(3);
    e.max_resource = q.get_int(4);
    e.step = q.get_int(5);
    e.value = q.get_double(6);
    e.method = q.get_text(7);
    e.decision = q.get_text(8);
    e.peers = q.get_int(9);
    if (!q.is_null(10)) e.cutoff = q.get_double(10);
    e.rule = q.get_text(11);
    e.trial = q.get_text(12);
    e.config_hash = q.get_text(13);
    e.status = parse_run_status(q.get_text(14));
    e.decided_at = q.get_text(15);
    if (!q.is_null(16)) e.promoted_at = q.get_text(16);
    out.push_back(std::move(e));
  }
  return out;
}

bool promote_run(const Database& db, std::int64_t run_id, int rung, std::string_view host) {
  const auto now = iso_utc_now();
  db.prepare("UPDATE rungs SET decision = 'promoted', promoted_at = ?3 WHERE run_id = ?1 AND rung = ?2 "
             "AND decision = 'paused'",
             "promote a paused trial")
      .bind_all(run_id, static_cast<std::int64_t>(rung), now)
      .run();
  if (db.changes() != 1) return false;
  db.prepare("UPDATE runs SET " + sql::reopen_run(db, "?5") + " WHERE id = ?1 AND status = 'pruned'",
             "reopen a promoted run")
      .bind_all(run_id, now, static_cast<std::int64_t>(getpid()), host,
                fmt::format("promoted from rung {} at {}", rung, now))
      .run();
  return db.changes() == 1;
}

}  // namespace mtlab::storage
