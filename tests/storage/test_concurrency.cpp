// Several processes, one database: nothing lost, no "database is locked"; and
// a process killed (SIGKILL) in the middle of a batch leaves a database that
// passes integrity_check with every earlier commit present.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>

#include "db_helpers.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/rerun.h"
#include "mtlab/storage/statement.h"
#include "mtlab/storage/transaction.h"
#include "mtlab/storage/writer.h"
#include "storage_fixture.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;
using test::scalar_int;
using test::scalar_text;

namespace {

constexpr int runs_per_child = 8;
constexpr int metrics_per_run = 1500;

// Child body: many small transactions (batches of 50) so the writers interleave.
int write_runs(const fs::path& path, int child) {
  Writer w(path, WriterOptions{50});
  const auto exp = w.begin_experiment("shared");
  for (int r = 0; r < runs_per_child; ++r) {
    auto spec = test::make_run("child" + std::to_string(child), r);
    const auto run = w.create_run(exp, spec);
    w.set_status(run, RunStatus::running);
    for (int i = 0; i < metrics_per_run; ++i) {
      w.log_metric(run, "t", "train", "loss", i, child * 1000.0 + r + i * 1e-6, i / 100.0);
      if (i % 25 == 0) usleep(100);  // a trainer computes between logs (SQLite has no fair lock queue)
      if (i % 500 == 0) w.heartbeat(run);
    }
    w.record_artifact(run, {"checkpoint", "c" + std::to_string(child) + "/" + std::to_string(r), 10, "aa"});
    w.set_status(run, RunStatus::completed);
  }
  return 0;
}

}  // namespace

TEST_CASE("two processes write runs and metrics to one database at once", "[storage][concurrency]") {
  const auto path = test::scratch_dir("storage_two_writers") / "shared.db";
  constexpr int children = 2;
  int go[2];
  REQUIRE(pipe(go) == 0);
  std::vector<pid_t> pids;
  for (int c = 0; c < children; ++c) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(go[1]);
      char byte;
      (void)!read(go[0], &byte, 1);
      try {
        _exit(write_runs(path, c));
      } catch (const std::exception& e) {
        fprintf(stderr, "writer %d failed: %s\n", c, e.what());
        _exit(1);
      }
    }
    pids.push_back(pid);
  }
  close(go[0]);
  close(go[1]);
  for (auto pid : pids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // a "database is locked" would have made it 1
  }
  const auto db = Database::open_read_only(path);
  CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
  CHECK(scalar_int(db, "SELECT count(*) FROM experiments") == 1);
  CHECK(scalar_int(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == children * runs_per_child);
  CHECK(scalar_int(db, "SELECT count(*) FROM metrics") == children * runs_per_child * metrics_per_run);
  CHECK(scalar_int(db, "SELECT count(*) FROM (SELECT run_id FROM metrics GROUP BY run_id HAVING count(*) = " +
                           std::to_string(metrics_per_run) + " AND count(DISTINCT step) = " +
                           std::to_string(metrics_per_run) + ")") == children * runs_per_child);
  CHECK(scalar_int(db, "SELECT count(*) FROM artifacts") == children * runs_per_child);
  // The writers really overlapped: consecutive metric ids alternate between children.
  CHECK(scalar_int(db, "SELECT count(*) FROM metrics AS a JOIN metrics AS b ON b.id = a.id + 1 "
                       "JOIN runs AS ra ON ra.id = a.run_id JOIN runs AS rb ON rb.id = b.run_id "
                       "WHERE substr(ra.trial, 13, 1) <> substr(rb.trial, 13, 1)") >= 2);  // 1 = one after the other
  // Each run's rows are its own: the value encodes child and run.
  CHECK(scalar_int(db, "SELECT count(*) FROM metrics AS m JOIN runs AS r ON r.id = m.run_id "
                       "WHERE CAST(m.value / 1000 AS INTEGER) <> CAST(substr(r.trial, 13, 1) AS INTEGER) "
                       "OR CAST(m.value AS INTEGER) % 1000 <> r.seed") == 0);
}

TEST_CASE("a writer killed in the middle of a batch loses only that batch", "[storage][crash]") {
  const auto path = test::scratch_dir("storage_sigkill") / "crash.db";
  constexpr int committed_batches = 5;
  constexpr int batch = 1000;
  int progress[2];
  REQUIRE(pipe(progress) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(progress[0]);
    try {
      Writer w(path, WriterOptions{1'000'000});
      const auto run = w.create_run(w.begin_experiment("crash"), test::make_run("none", 1));
      w.set_status(run, RunStatus::running);
      for (int b = 0; b < committed_batches; ++b) {
        for (int i = 0; i < batch; ++i) w.log_metric(run, "t", "train", "loss", b * batch + i, 1.0);
        w.flush();  // committed when this returns
        (void)!write(progress[1], "c", 1);
      }
      // An open batch transaction that never ends: big enough that SQLite spills
      // uncommitted pages into the WAL file before the kill.
      const auto& db = w.database();
      Transaction tx(db, "the batch that is killed");
      auto insert = db.prepare("INSERT INTO metrics (run_id, task, split, name, step, value, wall_time) "
                               "VALUES (?1, 't', 'train', 'loss', ?2, 2.0, 0)",
                               "insert");
      for (std::int64_t i = 0;; ++i) {
        insert.bind_all(run, 1'000'000 + i).run();
        if (i == 20'000) (void)!write(progress[1], "b", 1);
      }
    } catch (const std::exception& e) {
      fprintf(stderr, "crash child: %s\n", e.what());
      _exit(1);
    }
  }
  close(progress[1]);
  int commits = 0;
  bool in_batch = false;
  char c;
  while (!in_batch && read(progress[0], &c, 1) == 1) {
    if (c == 'c') ++commits;
    if (c == 'b') in_batch = true;
  }
  close(progress[0]);
  REQUIRE(commits == committed_batches);
  REQUIRE(in_batch);
  usleep(200'000);  // let the open transaction grow further
  REQUIRE(kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(fs::file_size(path.string() + "-wal") > 0);

  {
    const auto db = Database::open_read_only(path);
    CHECK(scalar_text(db, "PRAGMA integrity_check") == "ok");
    CHECK(scalar_int(db, "SELECT count(*) FROM metrics") == committed_batches * batch);
    CHECK(scalar_int(db, "SELECT count(*) FROM metrics WHERE value = 2.0") == 0);
    CHECK(scalar_text(db, "SELECT status FROM runs") == "running");
  }
  // The next writer opens it normally and can tell the dead run from a live one.
  Writer w(path);
  CHECK(mark_stale_runs_interrupted(w.database(), "crash", std::chrono::seconds(-1)) == 1);
  CHECK(scalar_text(w.database(), "SELECT status FROM runs") == "interrupted");
  w.log_metric(1, "t", "train", "loss", 99'999, 3.0);
  w.flush();
  CHECK(scalar_int(w.database(), "SELECT count(*) FROM metrics") == committed_batches * batch + 1);
  CHECK(scalar_text(w.database(), "PRAGMA integrity_check") == "ok");
}

TEST_CASE("a writer waits for another's transaction, up to its busy timeout", "[storage][concurrency]") {
  const auto path = test::scratch_dir("storage_busy") / "busy.db";
  Writer holder(path);
  const auto exp = holder.begin_experiment("e");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Holds the write lock for 400 ms, then commits.
    close(ready[0]);
    try {
      const auto db = Database::open(path);
      Transaction tx(db, "hold the lock");
      db.execute("UPDATE experiments SET description = 'held'", "touch");
      (void)!write(ready[1], "x", 1);
      usleep(400'000);
      tx.commit();
      _exit(0);
    } catch (...) {
      _exit(1);
    }
  }
  close(ready[1]);
  char c;
  REQUIRE(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  {
    Writer impatient(path, WriterOptions{2048, 50});
    CHECK_THROWS_WITH(impatient.begin_experiment("f"), Contains("database is locked"));
  }
  const auto start = std::chrono::steady_clock::now();
  CHECK(holder.create_run(exp, test::make_run("none", 1)) == 1);  // waits, then succeeds
  CHECK(std::chrono::steady_clock::now() - start > std::chrono::milliseconds(100));
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(scalar_text(holder.database(), "SELECT description FROM experiments") == "held");
}
