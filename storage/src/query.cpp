#include "mtlab/storage/query.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "mtlab/core/error.h"
#include "connection.h"
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

constexpr const char* kExpected =
    "expected a SELECT, WITH, EXPLAIN or read-only PRAGMA; use the sqlite3 tool to change a results database";
constexpr const char* kExpectedPostgres =
    "expected a SELECT, WITH, EXPLAIN, VALUES or SHOW; use psql to change a results database";

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// PostgreSQL: the statement runs in a READ ONLY transaction that is always
// rolled back, so the server itself refuses a write (SQLSTATE 25006), and
// libpq's extended protocol refuses a second statement (42601). Statements
// that would end that transaction are refused before they are sent.
Table postgres_read_only_query(const Database& db, std::string_view sql) {
  const std::string word = first_word(sql);
  if (word.empty()) throw Error("mtlab query: no SQL statement given (expected one statement, e.g. \"SELECT * FROM runs\")");
  for (const char* control : {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE"}) {
    if (word == control) {
      throw Error(fmt::format("mtlab query is read-only: {} would end or change the query's read-only transaction (at "
                              "\"{}\"); {}", word, snippet(sql), kExpectedPostgres));
    }
  }
  db.execute("BEGIN READ ONLY", "begin the query's read-only transaction");
  try {
    auto statement = db.prepare(sql, "run the query");
    Table table = read_table(statement);
    db.execute("ROLLBACK", "end the query's read-only transaction");
    return table;
  } catch (const Error& e) {
    db.execute("ROLLBACK", "end the query's read-only transaction");
    const std::string message = e.what();
    if (contains(message, "SQLSTATE 25006")) {
      throw Error("mtlab query is read-only: the " + word +
                  " statement would modify the database, which PostgreSQL refused in the query's read-only "
                  "transaction (" + kExpectedPostgres + ")");
    }
    if (contains(message, "multiple commands")) {
      throw Error("mtlab query: only one SQL statement is allowed, but more follows the first ';' (in \"" +
                  snippet(sql) + "\"); run the statements one at a time");
    }
    throw;
  }
}

// PRAGMAs that take an argument and only read. Any other PRAGMA with a value
// (writable_schema = ON, query_only = OFF, journal_mode = …) changes the
// connection or the file and is refused; a PRAGMA without one reads its value.
bool reads_only(std::string_view pragma) {
  static constexpr std::string_view kReading[] = {"table_info",  "table_xinfo",      "table_list",
                                                  "index_info",  "index_xinfo",      "index_list",
                                                  "foreign_key_list", "foreign_key_check", "integrity_check",
                                                  "quick_check"};
  std::string lower(pragma);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(std::begin(kReading), std::end(kReading), lower) != std::end(kReading);
}

// SQLite's authorizer, consulted while a statement is prepared: besides writes
// (refused below through sqlite3_stmt_readonly), a query may not ATTACH or
// DETACH files or change a setting. It notes the first such action in
// `refused` (preparing runs nothing); the query refuses the statement after
// the write check, so that a write is reported as a write.
int authorize(void* data, int action, const char* arg1, const char* arg2, const char*, const char*) {
  auto& refused = *static_cast<std::string*>(data);
  if (!refused.empty()) return SQLITE_OK;
  switch (action) {
    case SQLITE_ATTACH:
      refused = "ATTACH would open another database file";
      break;
    case SQLITE_DETACH:
      refused = "DETACH would change the connection's databases";
      break;
    case SQLITE_PRAGMA:
      if (arg2 == nullptr || (arg1 && reads_only(arg1))) break;
      refused = fmt::format("PRAGMA {} = {} would change a setting", arg1 ? arg1 : "?", arg2);
      break;
    default:
      break;
  }
  return SQLITE_OK;
}

// Installs the authorizer for one query and removes it afterwards.
class AuthorizerGuard {
 public:
  AuthorizerGuard(sqlite3* db, std::string* refused) : db_(db) { sqlite3_set_authorizer(db_, authorize, refused); }
  ~AuthorizerGuard() { sqlite3_set_authorizer(db_, nullptr, nullptr); }
  AuthorizerGuard(const AuthorizerGuard&) = delete;
  AuthorizerGuard& operator=(const AuthorizerGuard&) = delete;

 private:
  sqlite3* db_;
};

}  // namespace

Table run_read_only_query(const Database& db, std::string_view sql) {
  if (db.dialect() == Dialect::postgresql) return postgres_read_only_query(db, sql);
  std::string refused;
  const AuthorizerGuard guard(db.handle(), &refused);
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  if (rc != SQLITE_OK) sqlite_fail(db.connection(), "prepare the query", rc);
  const std::string first_refused = refused;
  if (!raw) throw Error("mtlab query: no SQL statement given (expected one statement, e.g. \"SELECT * FROM runs\")");
  const bool read_only = sqlite3_stmt_readonly(raw) != 0;
  Statement statement = sqlite_statement(db.connection(), raw, "run the query");
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
  if (!read_only) {
    throw Error("mtlab query is read-only: the " + first_word(sql) +
                " statement would modify the database, and the database is opened read-only (" + kExpected + ")");
  }
  if (!first_refused.empty()) {
    throw Error(fmt::format("mtlab query is read-only: {} (at \"{}\"); {}", first_refused, snippet(sql), kExpected));
  }
  return read_table(statement);
}

}  // namespace mtlab::storage
