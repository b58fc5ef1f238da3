#pragma once
// One SQLite connection (RAII) to an mtlab results database. Opening read-write
// sets WAL, a busy timeout and foreign keys, and migrates the schema to the
// version this build knows; opening read-only (SQLITE_OPEN_READONLY plus
// `PRAGMA query_only`) changes nothing on disk.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;

namespace mtlab::storage {

class Statement;

enum class OpenMode { read_write, read_only };

struct OpenOptions {
  OpenMode mode = OpenMode::read_write;
  // How long a write waits for another process's transaction before failing.
  int busy_timeout_ms = 60'000;
  // read_write: bring an older schema up to date (always refuses a newer one).
  // read_only: false skips the version check (raw SQL over any database).
  bool check_schema = true;
};

class Database {
 public:
  static Database open(const std::filesystem::path& path, const OpenOptions& options = {});
  static Database open_read_only(const std::filesystem::path& path, bool check_schema = true);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }
  bool read_only() const { return read_only_; }

  // `purpose` names the statement in every error ("insert metric rows").
  Statement prepare(std::string_view sql, std::string_view purpose) const;
  // Runs parameterless SQL (DDL, pragmas, BEGIN/COMMIT); never for values.
  void execute(std::string_view sql, std::string_view purpose) const;

  std::int64_t last_insert_id() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;

  // Throws mtlab::Error: "<db path>: <purpose>: <sqlite message> (<code name>)".
  [[noreturn]] void fail(std::string_view purpose, int rc) const;

 private:
  Database(sqlite3* db, std::filesystem::path path, bool read_only);
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  bool read_only_ = false;
};

}  // namespace mtlab::storage
