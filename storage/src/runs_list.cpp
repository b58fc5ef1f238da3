#include "mtlab/storage/runs_list.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "mtlab/storage/database.h"
#include "mtlab/storage/run_status.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {
namespace {

// The error's first line, at most 80 characters (UTF-8 code points): one line per run.
Value first_line(const Value& error) {
  const auto* text = std::get_if<std::string>(&error);
  if (!text) return std::string();
  const std::string line = text->substr(0, text->find('\n'));
  std::size_t end = 0;
  for (int characters = 0; end < line.size(); ++end) {
    if ((line[end] & 0xC0) != 0x80 && ++characters > 80) break;
  }
  return line.substr(0, end);
}

// Seconds to the millisecond, as SQLite's round(x, 3) gives them (printf, then parse).
Value rounded(const Value& seconds) {
  const auto* value = std::get_if<double>(&seconds);
  if (!value) return seconds;
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", *value);
  return std::strtod(text, nullptr);
}

}  // namespace

Table list_runs(const Database& db, const RunFilter& filter) {
  if (!filter.status.empty()) parse_run_status(filter.status);  // a clear error for a typo
  auto q = db.prepare(
      "SELECT r.id, e.name AS experiment, r.trial, r.status, r.seed, r.started_at, r.duration_s, r.host, "
      "r.attempt, r.parent_run_id AS parent, r.error "
      "FROM runs AS r JOIN experiments AS e ON e.id = r.experiment_id "
      "WHERE (?1 = '' OR e.name = ?1) AND (?2 = '' OR r.status = ?2) ORDER BY r.id",
      "list runs");
  q.bind_all(filter.experiment, filter.status);
  Table table = read_table(q);
  const int duration = table.column("duration_s"), error = table.column("error");
  for (auto& row : table.rows) {
    row[duration] = rounded(row[duration]);
    row[error] = first_line(row[error]);
  }
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
