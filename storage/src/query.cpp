#include "mtlab/storage/query.h"

#include <sqlite3.h>

#include <cctype>
#include <string>

#include "mtlab/core/error.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {
namespace {

std::string first_word(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  std::size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  std::string word(sql.substr(i, j - i));
  for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

std::string snippet(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (s.empty() && (std::isspace(static_cast<unsigned char>(c)) || c == ';')) continue;
    s += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (s.size() >= 40) {
      s += "...";
      break;
    }
  }
  return s;
}

}  // namespace

Table run_read_only_query(const Database& db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  if (rc != SQLITE_OK) db.fail("prepare the query", rc);
  if (!raw) throw Error("mtlab query: no SQL statement given (expected one statement, e.g. \"SELECT * FROM runs\")");
  Statement statement(db.handle(), raw, "run the query");
  // Whatever follows the first statement must be only whitespace, comments and ';'.
  const char* end = sql.data() + sql.size();
  while (tail && tail < end) {
    sqlite3_stmt* next = nullptr;
    const char* next_tail = nullptr;
    rc = sqlite3_prepare_v2(db.handle(), tail, static_cast<int>(end - tail), &next, &next_tail);
    sqlite3_finalize(next);
    if (rc != SQLITE_OK || next) {
      throw Error("mtlab query: only one SQL statement is allowed, but more follows the first ';' (at \"" +
                  snippet(std::string_view(tail, static_cast<std::size_t>(end - tail))) +
                  "\"); run the statements one at a time");
    }
    if (next_tail == tail) break;
    tail = next_tail;
  }
  if (!statement.read_only()) {
    throw Error("mtlab query is read-only: the " + first_word(sql) +
                " statement would modify the database, and the database is opened read-only (expected a SELECT, "
                "WITH, EXPLAIN or read-only PRAGMA; use the sqlite3 tool to change a results database)");
  }
  return read_table(statement);
}

}  // namespace mtlab::storage
