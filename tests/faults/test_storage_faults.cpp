// The results database under faults: a full file system, a read-only path, a
// writer locked out for longer than its busy timeout. Each ends in a clear
// mtlab::Error (or succeeds when retried after the fault is gone), never in a
// damaged file or a half-written write. Faults are injected into forked
// children, so the limits and lowered privileges never touch the test process.
#include <grp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "../storage/db_helpers.h"
#include "../storage/storage_fixture.h"
#include "mtlab/core/error.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/writer.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;
using test::scalar_int;
using test::scalar_text;

namespace {

constexpr int kMtlabError = 42;      // the child caught an mtlab::Error
constexpr int kOtherException = 43;  // it caught something else (not a clear error)
constexpr int kNoPrivilegeDrop = 77;

struct ChildResult {
  int exit_code = -1;
  std::string progress;  // what the child reported before it failed
  std::string error;     // the exception's text
};

// Runs `body(progress)` in a forked child. The child never returns into Catch2:
// it reports through a pipe and leaves with _exit.
ChildResult in_child(const std::function<int(std::string&)>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    std::string progress, error;
    int code = 0;
    try {
      code = body(progress);
    } catch (const mtlab::Error& e) {
      code = kMtlabError;
      error = e.what();
    } catch (const std::exception& e) {
      code = kOtherException;
      error = e.what();
    }
    const std::string out = progress + '\n' + error;
    for (std::size_t done = 0; done < out.size();) {
      const auto n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    _exit(code);
  }
  close(fds[1]);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  ChildResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const auto newline = out.find('\n');
  r.progress = out.substr(0, newline);
  if (newline != std::string::npos) r.error = out.substr(newline + 1);
  return r;
}

std::string file_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A database with one running run and `rows` committed metric rows; returns the run.
std::int64_t make_database(const fs::path& path, int rows) {
  Writer w(path);
  const auto exp = w.begin_experiment("faults");
  const auto run = w.create_run(exp, test::make_run("none", 1));
  w.set_status(run, RunStatus::running);
  for (int i = 0; i < rows; ++i) w.log_metric(run, "intent", "train", "loss", i, 1.0 / (i + 1));
  w.flush();
  return run;
}

// Root is not stopped by file permissions: a child that is root gives them up
// (becomes `nobody`) so the kernel enforces them as for any user.
int drop_root() {
  if (geteuid() != 0) return 0;
  if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) return kNoPrivilegeDrop;
  return 0;
}

}  // namespace

TEST_CASE("a full file system (RLIMIT_FSIZE) fails the write clearly, and every committed row stays", "[faults][storage]") {
  const auto path = test::scratch_dir("faults_full") / "results.db";
  const auto run = make_database(path, 100);  // closed: the WAL is folded into the file

  const auto child = in_child([&](std::string& committed) {
    // Past the limit write() fails with EFBIG instead of killing the process.
    signal(SIGXFSZ, SIG_IGN);
    Writer w(path, WriterOptions{256});
    const rlim_t limit = fs::file_size(path) + 256 * 1024;
    const rlimit lim{limit, limit};
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) return 3;
    std::int64_t rows = 0;
    committed = "0";
    for (int batch = 0; batch < 100'000; ++batch) {
      for (int i = 0; i < 256; ++i) w.log_metric(run, "intent", "train", "loss", 1000 + rows + i, 0.5);
      rows += 256;  // the 256th row flushed the batch in one transaction
      committed = std::to_string(rows);
    }
    return 4;  // never filled up
  });
  INFO("child exit " << child.exit_code << ", " << child.progress << " rows committed; error: " << child.error);
  REQUIRE(child.exit_code == kMtlabError);
  // EFBIG reaches SQLite as a bare "disk I/O error"; the message says what it may be.
  CHECK_THAT(child.error, Contains(path.string()) && Contains("disk I/O error") &&
                              Contains("the file system may be full, a file size limit reached"));
  const std::int64_t committed = std::stoll(child.progress);
  CHECK(committed > 0);  // the limit stopped it part way, not at the start

  {
    // Opening replays the WAL the child left: every committed batch, nothing of the failed one.
    const auto db = Database::open(path);
    CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
    CHECK(scalar_int(db, "SELECT count(*) FROM metrics") == 100 + committed);
    CHECK(scalar_int(db, "SELECT count(*) FROM metrics WHERE step < 100") == 100);
    CHECK(scalar_int(db, "SELECT max(step) FROM metrics") == 1000 + committed - 1);
  }
  // With space again, the same run goes on.
  Writer w(path);
  w.log_metric(run, "intent", "dev", "accuracy", 7, 0.75);
  w.set_status(run, RunStatus::completed);
  CHECK(scalar_int(w.database(), "SELECT count(*) FROM metrics") == 101 + committed);
  CHECK(scalar_text(w.database(), "SELECT status FROM runs") == "completed");
}

TEST_CASE("a read-only database path is a clear error naming it, and the file is left as it was",
          "[faults][storage]") {
  // Under /tmp rather than the build tree: a child that gave up root must reach it.
  char pattern[] = "/tmp/mtlab-faults-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  const fs::path dir = pattern;
  REQUIRE(chmod(dir.c_str(), 0755) == 0);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
      for (auto& e : fs::recursive_directory_iterator(dir, ec)) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};

  auto try_to_write = [](const fs::path& db) {
    return in_child([db](std::string&) {
      if (const int rc = drop_root()) return rc;
      Writer w(db);
      const auto exp = w.begin_experiment("faults");
      w.create_run(exp, test::make_run("none", 2));
      return 0;
    });
  };
  auto expect_refused = [](const ChildResult& r, const fs::path& db, const std::string& why) {
    if (r.exit_code == kNoPrivilegeDrop) {
      WARN("running as root and cannot become another user: file permissions are not enforced, case skipped");
      return;
    }
    INFO("child exit " << r.exit_code << ", error: " << r.error);
    CHECK(r.exit_code == kMtlabError);
    CHECK_THAT(r.error, Contains(db.string()) && Contains("this process may not write") && Contains(why));
  };

  SECTION("a database file without write permission") {
    const auto db = dir / "file" / "results.db";
    fs::create_directories(db.parent_path());
    REQUIRE(chmod(db.parent_path().c_str(), 0777) == 0);  // only the file is read-only
    make_database(db, 10);
    REQUIRE(chmod(db.c_str(), 0444) == 0);
    const auto before = file_bytes(db);
    expect_refused(try_to_write(db), db, "a read-only file or file system");
    CHECK(file_bytes(db) == before);
    CHECK(scalar_int(Database::open_read_only(db), "SELECT count(*) FROM runs") == 1);
  }
  SECTION("a new database in a read-only folder") {
    const auto folder = dir / "folder";
    fs::create_directories(folder);
    REQUIRE(chmod(folder.c_str(), 0555) == 0);
    expect_refused(try_to_write(folder / "results.db"), folder / "results.db",
                   "the folder " + folder.string() + " is not writable (Permission denied)");
    CHECK(fs::is_empty(folder));
  }
  SECTION("a writable database file in a read-only folder (no room for its WAL)") {
    const auto folder = dir / "wal";
    fs::create_directories(folder);
    const auto db = folder / "results.db";
    make_database(db, 10);
    REQUIRE(chmod(db.c_str(), 0666) == 0);
    REQUIRE(chmod(folder.c_str(), 0555) == 0);
    const auto before = file_bytes(db);
    expect_refused(try_to_write(db), db, "a read-only file, folder or file system");
    CHECK(file_bytes(db) == before);
  }
}

TEST_CASE("a database locked by another writer past the busy timeout: a clear error, nothing half written, "
          "and the retry succeeds once the lock is gone",
          "[faults][storage]") {
  const auto path = test::scratch_dir("faults_locked") / "results.db";
  const auto run = make_database(path, 50);
  Writer w(path, WriterOptions{2048, 300});  // a short busy timeout

  int locked[2], release[2];
  REQUIRE(pipe(locked) == 0);
  REQUIRE(pipe(release) == 0);
  const pid_t holder = fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    // Another process (plain SQLite, as any other tool would) holds the write
    // lock, with a change of its own pending, until told to let go.
    close(locked[0]);
    close(release[1]);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) _exit(1);
    if (sqlite3_exec(db, "BEGIN EXCLUSIVE; UPDATE experiments SET description = 'held'", nullptr, nullptr, nullptr) !=
        SQLITE_OK) {
      _exit(2);
    }
    (void)!write(locked[1], "x", 1);
    char c;
    (void)!read(release[0], &c, 1);
    _exit(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK && sqlite3_close(db) == SQLITE_OK ? 0 : 3);
  }
  close(locked[1]);
  close(release[0]);
  char c;
  REQUIRE(read(locked[0], &c, 1) == 1);

  for (int i = 0; i < 40; ++i) w.log_metric(run, "intent", "dev", "loss", 100 + i, 0.25);
  const auto start = std::chrono::steady_clock::now();
  try {
    w.flush();
    FAIL("the flush went through a held write lock");
  } catch (const mtlab::Error& e) {
    CHECK_THAT(e.what(), Contains(path.string()) && Contains("database is locked") && Contains("busy timeout"));
  }
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(250));  // it waited its turn first
  CHECK_THROWS_WITH(w.set_status(run, RunStatus::completed),
                    Contains(path.string()) && Contains("database is locked"));
  {
    // Readers are not blocked by a writer (WAL), and see nothing of the failed writes.
    const auto reader = Database::open_read_only(path);
    CHECK(scalar_int(reader, "SELECT count(*) FROM metrics") == 50);
    CHECK(scalar_text(reader, "SELECT status FROM runs") == "running");
  }

  REQUIRE(write(release[1], "x", 1) == 1);
  int status = 0;
  REQUIRE(waitpid(holder, &status, 0) == holder);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  // The retry goes through. The batch that failed was reported, not kept: none of its rows exist.
  w.log_metric(run, "intent", "dev", "accuracy", 200, 0.5);
  w.set_status(run, RunStatus::completed);
  const auto& db = w.database();
  CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
  CHECK(scalar_int(db, "SELECT count(*) FROM metrics") == 51);
  CHECK(scalar_int(db, "SELECT count(*) FROM metrics WHERE step BETWEEN 100 AND 139") == 0);
  CHECK(scalar_text(db, "SELECT status FROM runs") == "completed");
  CHECK(scalar_text(db, "SELECT description FROM experiments") == "held");  // the other writer's change landed
}
