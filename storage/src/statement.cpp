#include "mtlab/storage/statement.h"

#include <sqlite3.h>

#include <cmath>
#include <utility>

#include "mtlab/core/error.h"

namespace mtlab::storage {

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string purpose)
    : db_(db), stmt_(stmt), purpose_(std::move(purpose)) {}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), purpose_(std::move(other.purpose_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    purpose_ = std::move(other.purpose_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::fail(int rc) const {
  throw Error("SQLite: " + purpose_ + ": " + sqlite3_errmsg(db_) + " (" + sqlite3_errstr(rc) + ")");
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (std::isnan(value)) return bind(index, nullptr);
  if (const int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  // A null data pointer would bind NULL; an empty view is the empty string.
  const char* data = value.data() ? value.data() : "";
  const int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(rc);
  return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
  if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Keep the message before reset() replaces it.
  const std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw Error("SQLite: " + purpose_ + ": " + message + " (" + sqlite3_errstr(rc) + ")");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }
std::string Statement::column_name(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return name ? name : "";
}
int Statement::column_type(int column) const { return sqlite3_column_type(stmt_, column); }
bool Statement::is_null(int column) const { return column_type(column) == SQLITE_NULL; }
std::int64_t Statement::get_int(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::get_double(int column) const { return sqlite3_column_double(stmt_, column); }
std::string Statement::get_text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!text) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}
std::optional<std::int64_t> Statement::get_optional_int(int column) const {
  if (is_null(column)) return std::nullopt;
  return get_int(column);
}
std::optional<double> Statement::get_optional_double(int column) const {
  if (is_null(column)) return std::nullopt;
  return get_double(column);
}
std::optional<std::string> Statement::get_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return get_text(column);
}

bool Statement::read_only() const { return sqlite3_stmt_readonly(stmt_) != 0; }

}  // namespace mtlab::storage
