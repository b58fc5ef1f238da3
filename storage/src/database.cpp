#include "mtlab/storage/database.h"

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
#include "mtlab/storage/schema.h"
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

// Switching to WAL needs a moment of exclusive access; when several processes
// open a fresh file at once, the loser retries until the busy timeout is spent.
void enable_wal(const Database& db, int busy_timeout_ms) {
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
      throw Error("SQLite (" + db.path().string() + "): switch to WAL journal mode: " + message +
                  explain(db.handle(), rc, false));
    }
    sqlite3_finalize(raw);
    if (mode != "wal") {
      throw Error("SQLite (" + db.path().string() + "): switch to WAL journal mode: the file system gave '" + mode +
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

Database::Database(sqlite3* db, std::filesystem::path path, bool read_only)
    : db_(db), path_(std::move(path)), read_only_(read_only) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)), read_only_(other.read_only_) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    read_only_ = other.read_only_;
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

Database Database::open(const std::filesystem::path& path, const OpenOptions& options) {
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
  Database db(raw, path, read_only);
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
    db.execute("PRAGMA query_only = ON", "make the connection query-only");
    if (options.check_schema) require_readable_schema(db);
    return db;
  }
  db.execute("PRAGMA foreign_keys = ON", "enable foreign keys");
  enable_wal(db, options.busy_timeout_ms);
  // In WAL mode NORMAL survives any process crash; only an OS crash or power
  // loss can drop the last commits (never corrupt the file).
  db.execute("PRAGMA synchronous = NORMAL", "set synchronous mode");
  migrate(db);
  return db;
}

Database Database::open_read_only(const std::filesystem::path& path, bool check_schema) {
  OpenOptions options;
  options.mode = OpenMode::read_only;
  options.check_schema = check_schema;
  return open(path, options);
}

Statement Database::prepare(std::string_view sql, std::string_view purpose) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) fail(purpose, rc);
  return Statement(db_, stmt, std::string(purpose));
}

void Database::execute(std::string_view sql, std::string_view purpose) const {
  char* message = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error("SQLite (" + path_.string() + "): " + std::string(purpose) + ": " + detail + " (" +
                sqlite3_errstr(rc) + ")" + explain(db_, rc, read_only_));
  }
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

void Database::fail(std::string_view purpose, int rc) const {
  throw Error("SQLite (" + path_.string() + "): " + std::string(purpose) + ": " + sqlite3_errmsg(db_) + " (" +
              sqlite3_errstr(rc) + ")" + explain(db_, rc, read_only_));
}

}  // namespace mtlab::storage
