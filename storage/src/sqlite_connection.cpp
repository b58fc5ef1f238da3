#include "connection.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include "mtlab/core/error.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {
namespace fs = std::filesystem;
namespace {

// What SQLite's message leaves out: the operating system's error behind a failed
// open or write ("disk I/O error" is EFBIG or ENOSPC), and what to do about it.
std::string explain(sqlite3* db, int rc, bool read_only_connection) {
  const int primary = rc & 0xff;
  const bool io = primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_FULL ||
                  primary == SQLITE_READONLY;
  const int os = io && db ? sqlite3_system_errno(db) : 0;
  std::string out = os != 0 ? std::string("; operating system: ") + std::strerror(os) : "";
  if (primary == SQLITE_BUSY) {
    out += "; another connection held the database's write lock for longer than the busy timeout";
  } else if (primary == SQLITE_FULL || os == ENOSPC || os == EFBIG || os == EDQUOT) {
    out += "; no room to write the database (a full file system or a file size limit): free space, then run again";
  } else if (rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC || rc == SQLITE_IOERR_TRUNCATE) {
    // SQLite reports ENOSPC as SQLITE_FULL but EFBIG (RLIMIT_FSIZE) as a plain
    // write error, often without the errno.
    out += "; a write to the database failed: the file system may be full, a file size limit reached "
           "(ulimit -f) or the disk failing";
  } else if (!read_only_connection && (primary == SQLITE_READONLY || os == EACCES || os == EPERM || os == EROFS)) {
    out += "; this process may not write there (a read-only file, folder or file system): check the permissions, "
           "or choose another database path";
  }
  return out;
}


// SQLite's errors: "SQLite (<path>): <purpose>: <message> (<code name>)<explanation>".
class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, std::string path, bool read_only)
      : db_(db), path_(std::move(path)), read_only_(read_only) {}
  ~SqliteConnection() override { sqlite3_close_v2(db_); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::sqlite; }
  const std::string& location() const override { return path_; }
  bool read_only() const override { return read_only_; }
  sqlite3* handle() const { return db_; }
  std::unique_ptr<StatementBackend> prepare(std::string_view sql, std::string_view purpose) override;
  void execute(std::string_view sql, std::string_view purpose) override;
  std::int64_t changes() const override { return sqlite3_changes64(db_); }

  [[noreturn]] void fail(std::string_view purpose, int rc) const {
    throw Error("SQLite (" + path_ + "): " + std::string(purpose) + ": " + sqlite3_errmsg(db_) + " (" +
                sqlite3_errstr(rc) + ")" + explain(db_, rc, read_only_));
  }

 private:
  sqlite3* db_;
  std::string path_;
  bool read_only_;
};

class SqliteStatement final : public StatementBackend {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string purpose)
      : db_(db), stmt_(stmt), purpose_(std::move(purpose)) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind_int(int index, std::int64_t value) override { check(sqlite3_bind_int64(stmt_, index, value)); }
  void bind_double(int index, double value) override { check(sqlite3_bind_double(stmt_, index, value)); }
  void bind_text(int index, std::string_view value) override {
    check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }
  bool step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Keep the message before reset() replaces it.
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(stmt_);
    throw Error("SQLite: " + purpose_ + ": " + message + " (" + sqlite3_errstr(rc) + ")");
  }
  void reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int column_count() const override { return sqlite3_column_count(stmt_); }
  std::string column_name(int column) const override {
    const char* name = sqlite3_column_name(stmt_, column);
    return name ? name : "";
  }
  ColumnType column_type(int column) const override {
    switch (sqlite3_column_type(stmt_, column)) {
      case SQLITE_INTEGER: return ColumnType::integer;
      case SQLITE_FLOAT: return ColumnType::real;
      case SQLITE_TEXT: return ColumnType::text;
      case SQLITE_BLOB: return ColumnType::blob;
      default: return ColumnType::null;
    }
  }
  std::int64_t get_int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double get_double(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string get_text(int column) const override {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (!text) return {};
    return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::size_t blob_bytes(int column) const override {
    return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) throw Error("SQLite: " + purpose_ + ": " + sqlite3_errmsg(db_) + " (" + sqlite3_errstr(rc) + ")");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string purpose_;
};

std::unique_ptr<StatementBackend> SqliteConnection::prepare(std::string_view sql, std::string_view purpose) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) fail(purpose, rc);
  return std::make_unique<SqliteStatement>(db_, stmt, std::string(purpose));
}

void SqliteConnection::execute(std::string_view sql, std::string_view purpose) {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error("SQLite (" + path_ + "): " + std::string(purpose) + ": " + detail + " (" + sqlite3_errstr(rc) + ")" +
                explain(db_, rc, read_only_));
  }
}

// Switching to WAL needs a moment of exclusive access; when several processes
// open a fresh file at once, the loser retries until the busy timeout is spent.
void enable_wal(const SqliteConnection& db, int busy_timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  while (true) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db.handle(), "PRAGMA journal_mode = WAL", -1, &raw, nullptr);
    if (rc != SQLITE_OK) db.fail("switch to WAL journal mode", rc);
    rc = sqlite3_step(raw);
    std::string mode = rc == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(raw, 0)) : "";
    const int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      sqlite3_finalize(raw);
      if (std::chrono::steady_clock::now() > deadline) db.fail("switch to WAL journal mode", rc);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (rc != SQLITE_ROW) {
      const std::string message = sqlite3_errmsg(db.handle());
      sqlite3_finalize(raw);
      throw Error("SQLite (" + db.location() + "): switch to WAL journal mode: " + message +
                  explain(db.handle(), rc, false));
    }
    sqlite3_finalize(raw);
    if (mode != "wal") {
      throw Error("SQLite (" + db.location() + "): switch to WAL journal mode: the file system gave '" + mode +
                  "' (expected 'wal'; is the database on a network file system?)");
    }
    return;
  }
}

// SQLite's own busy handler backs off to 100 ms sleeps, so a waiting writer
// keeps missing the short gaps between another process's transactions. Polling
// every millisecond (with jitter, so waiters do not move in lockstep) gives
// each writer its turn; `count` sleeps of >= 1 ms bound the total wait.
int busy_handler(void* timeout_ms, int count) {
  const auto limit = reinterpret_cast<std::intptr_t>(timeout_ms);
  if (count >= limit) return 0;
  thread_local unsigned seed = static_cast<unsigned>(reinterpret_cast<std::uintptr_t>(&count));
  seed = seed * 1103515245u + 12345u;
  std::this_thread::sleep_for(std::chrono::microseconds(1000 + (seed >> 16) % 500));
  return 1;
}


}  // namespace

std::unique_ptr<Connection> open_sqlite_connection(const std::filesystem::path& path, const OpenOptions& options) {
  const bool read_only = options.mode == OpenMode::read_only;
  std::error_code ec;
  if (read_only && !std::filesystem::is_regular_file(path, ec)) {
    throw Error(path.string() + ": no such database file (expected an mtlab results database)");
  }
  if (!read_only && path.has_parent_path() && !std::filesystem::exists(path.parent_path(), ec)) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error(path.string() + ": cannot create the database's folder: " + ec.message());
  }
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const bool missing = !fs::exists(path, ec);
    const int folder_errno = !read_only && missing && ::access(folder.c_str(), W_OK | X_OK) != 0 ? errno : 0;
    if (folder_errno != 0) {
      // SQLite's errno here is that of its read-only retry (ENOENT), not the cause.
      message += "; the folder " + folder.string() + " is not writable (" + std::strerror(folder_errno) +
                 "): this process may not write there, so the database cannot be created; check the folder's "
                 "permissions, or choose another database path";
    } else {
      message += explain(raw, rc, read_only);
    }
    sqlite3_close_v2(raw);
    throw Error("SQLite (" + path.string() + "): open " + (read_only ? "read-only" : "read-write") + ": " + message);
  }
  auto db = std::make_unique<SqliteConnection>(raw, path.string(), read_only);
  // SQLite opens a file it may not write read-only without a word; say so now
  // rather than at the first write, which names no file.
  if (!read_only && sqlite3_db_readonly(raw, "main") == 1) {
    throw Error(path.string() + ": cannot write the results database: this process may not write the file (a "
                "read-only file or file system); check its permissions, or choose another database path");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_handler(raw, busy_handler, reinterpret_cast<void*>(static_cast<std::intptr_t>(options.busy_timeout_ms)));
  if (read_only) {
    // Belt and braces: the connection is read-only at the file level, and
    // query_only also refuses writes to anything ATTACHed later.
    db->execute("PRAGMA query_only = ON", "make the connection query-only");
    return db;
  }
  db->execute("PRAGMA foreign_keys = ON", "enable foreign keys");
  enable_wal(*db, options.busy_timeout_ms);
  // In WAL mode NORMAL survives any process crash; only an OS crash or power
  // loss can drop the last commits (never corrupt the file).
  db->execute("PRAGMA synchronous = NORMAL", "set synchronous mode");
  return db;
}

sqlite3* sqlite_handle(const Connection& connection) {
  const auto* sqlite = dynamic_cast<const SqliteConnection*>(&connection);
  return sqlite ? sqlite->handle() : nullptr;
}

void sqlite_fail(const Connection& connection, std::string_view purpose, int rc) {
  dynamic_cast<const SqliteConnection&>(connection).fail(purpose, rc);
}

Statement sqlite_statement(const Connection& connection, sqlite3_stmt* stmt, std::string purpose) {
  return Statement(std::make_unique<SqliteStatement>(sqlite_handle(connection), stmt, purpose), purpose);
}

}  // namespace mtlab::storage
