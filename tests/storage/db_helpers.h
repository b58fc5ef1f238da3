#pragma once
// Small read helpers for storage tests: one value from one query.
#include <cstdint>
#include <string>

#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::test {

inline std::int64_t scalar_int(const storage::Database& db, const std::string& sql) {
  auto q = db.prepare(sql, "test query");
  if (!q.step()) return -1;
  return q.get_int(0);
}

inline double scalar_double(const storage::Database& db, const std::string& sql) {
  auto q = db.prepare(sql, "test query");
  if (!q.step()) return -1;
  return q.get_double(0);
}

inline std::string scalar_text(const storage::Database& db, const std::string& sql) {
  auto q = db.prepare(sql, "test query");
  if (!q.step()) return "<no row>";
  return q.is_null(0) ? "<null>" : q.get_text(0);
}

}  // namespace mtlab::test
