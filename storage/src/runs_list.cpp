#include "mtlab/storage/runs_list.h"

#include "mtlab/storage/database.h"
#include "mtlab/storage/run_status.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {

Table list_runs(const Database& db, const RunFilter& filter) {
  if (!filter.status.empty()) parse_run_status(filter.status);  // a clear error for a typo
  auto q = db.prepare(
      "SELECT r.id, e.name AS experiment, r.trial, r.status, r.seed, r.started_at, "
      "round(r.duration_s, 3) AS duration_s, r.host, r.attempt, r.parent_run_id AS parent, "
      "CASE WHEN r.error IS NULL THEN '' "
      "     WHEN instr(r.error, char(10)) > 0 THEN substr(r.error, 1, min(instr(r.error, char(10)) - 1, 80)) "
      "     ELSE substr(r.error, 1, 80) END AS error "
      "FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id "
      "WHERE (?1 = '' OR e.name = ?1) AND (?2 = '' OR r.status = ?2) ORDER BY r.id",
      "list runs");
  q.bind_all(filter.experiment, filter.status);
  Table table = read_table(q);
  // Columns that say nothing for these runs are left out.
  auto drop_unless_any = [&table](const char* name, auto&& says_something) {
    const int c = table.column(name);
    for (const auto& row : table.rows) {
      if (says_something(row[c])) return;
    }
    table.columns.erase(table.columns.begin() + c);
    for (auto& row : table.rows) row.erase(row.begin() + c);
  };
  drop_unless_any("parent", [](const Value& v) { return !std::holds_alternative<std::monostate>(v); });
  drop_unless_any("attempt", [](const Value& v) {
    return std::holds_alternative<std::int64_t>(v) && std::get<std::int64_t>(v) > 1;
  });
  return table;
}

}  // namespace mtlab::storage
