#pragma once
// One connection (RAII) to an mtlab results database: a SQLite file or a
// PostgreSQL database. Every query in storage/src runs through it in one SQL
// text for both (?N placeholders; the few functions that differ come from
// sql_dialect.h). Opening read-write migrates the schema to the version this
// build knows (SQLite also sets WAL, a busy timeout and foreign keys); opening
// read-only changes nothing (SQLite: SQLITE_OPEN_READONLY plus `PRAGMA query_only`;
// PostgreSQL: default_transaction_read_only).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;

namespace mtlab::storage {

class Connection;
class Statement;

enum class OpenMode { read_write, read_only };
enum class Dialect { sqlite, postgresql };

struct OpenOptions {
  OpenMode mode = OpenMode::read_write;
  // How long a write waits for another process's transaction before failing
  // (SQLite's busy timeout, PostgreSQL's lock_timeout).
  int busy_timeout_ms = 60'000;
  // read_write: bring an older schema up to date (always refuses a newer one).
  // read_only: false skips the version check (raw SQL over any database).
  bool check_schema = true;
};

class Database {
 public:
  // A SQLite file.
  static Database open(const std::filesystem::path& path, const OpenOptions& options = {});
  static Database open_read_only(const std::filesystem::path& path, bool check_schema = true);
  // A PostgreSQL database: `url` is libpq's URI, without a password (postgres_url.h).
  static Database open_postgres(const std::string& url, const OpenOptions& options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Dialect dialect() const;
  // The file path or URL, as messages name it.
  const std::string& location() const;
  std::filesystem::path path() const { return location(); }
  bool read_only() const;
  // SQLite's handle; nullptr on PostgreSQL.
  sqlite3* handle() const;
  Connection& connection() const { return *impl_; }

  // `purpose` names the statement in every error ("insert metric rows").
  Statement prepare(std::string_view sql, std::string_view purpose) const;
  // Runs parameterless SQL (DDL, pragmas, BEGIN/COMMIT); never for values.
  void execute(std::string_view sql, std::string_view purpose) const;

  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;

 private:
  explicit Database(std::unique_ptr<Connection> impl);
  std::unique_ptr<Connection> impl_;
};

}  // namespace mtlab::storage
