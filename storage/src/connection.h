#pragma once
// The seam between the SQL that every store runs (writer, rerun, runs_list,
// compare, export, report_data, lineage) and the server that runs it: one
// Connection per Database, one StatementBackend per Statement. SQLite
// (sqlite_connection.cpp) and PostgreSQL through libpqxx (postgres_connection.cpp)
// implement it; nothing above this seam names either library.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mtlab/storage/database.h"
#include "mtlab/storage/statement.h"

struct sqlite3_stmt;

namespace mtlab::storage {

class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  // 1-based, as ?N in the SQL.
  virtual void bind_int(int index, std::int64_t value) = 0;
  virtual void bind_double(int index, double value) = 0;
  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_null(int index) = 0;
  virtual bool step() = 0;
  // Back to before the first step, bindings cleared.
  virtual void reset() = 0;
  // 0-based; valid after a step() that returned true.
  virtual int column_count() const = 0;
  virtual std::string column_name(int column) const = 0;
  virtual ColumnType column_type(int column) const = 0;
  virtual std::int64_t get_int(int column) const = 0;
  virtual double get_double(int column) const = 0;
  virtual std::string get_text(int column) const = 0;
  virtual std::size_t blob_bytes(int column) const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  virtual const std::string& location() const = 0;
  virtual bool read_only() const = 0;
  virtual std::unique_ptr<StatementBackend> prepare(std::string_view sql, std::string_view purpose) = 0;
  // Parameterless SQL, possibly several statements (DDL, BEGIN/COMMIT).
  virtual void execute(std::string_view sql, std::string_view purpose) = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual std::int64_t changes() const = 0;
};

// The SQLite connection behind Database::open (sqlite_connection.cpp).
std::unique_ptr<Connection> open_sqlite_connection(const std::filesystem::path& path, const OpenOptions& options);
// SQLite's own handle of a SQLite connection, for the query authorizer (query.cpp); nullptr otherwise.
sqlite3* sqlite_handle(const Connection& connection);
// Throws SQLite's error for `rc` on a SQLite connection, with its explanation.
[[noreturn]] void sqlite_fail(const Connection& connection, std::string_view purpose, int rc);
// A statement over an already prepared SQLite statement (takes ownership).
Statement sqlite_statement(const Connection& connection, sqlite3_stmt* stmt, std::string purpose);

// The PostgreSQL connection behind Database::open_postgres (postgres_connection.cpp).
std::unique_ptr<Connection> open_postgres_connection(const std::string& url, const OpenOptions& options);

}  // namespace mtlab::storage
