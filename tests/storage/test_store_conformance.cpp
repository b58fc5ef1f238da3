// The results-store conformance suite: every case runs against every store in
// store_backends(), through the ResultsStore interface only (reads of what was
// written go through query(), whose tables docs/storage.md fixes for every
// backend). A new backend is tested by adding one line there. PostgreSQL runs on
// a server these tests start themselves (tests/support/postgres_server.h).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <thread>

#include "mtlab/storage/results_store.h"
#include "postgres_server.h"
#include "storage_fixture.h"
#include "test_paths.h"

using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct StoreBackend {
  std::string name;
  // The location of a new, empty store for the test named `test`.
  std::function<std::string(const std::string& test)> fresh_location;
};

const std::vector<StoreBackend>& store_backends() {
  static const std::vector<StoreBackend> all = {
      {"sqlite", [](const std::string& test) { return (test::scratch_dir("store_" + test) / "results.db").string(); }},
      {"postgresql", [](const std::string& test) { return test::postgres_database(test); }},
  };
  return all;
}

// Runs `body` once per backend, on a fresh store location.
void each_store(const std::string& test, const std::function<void(const std::string& location)>& body) {
  for (const auto& backend : store_backends()) {
    INFO("store backend: " << backend.name);
    body(backend.fresh_location(test));
  }
}

std::unique_ptr<ResultsStore> open_rw(const std::string& location) {
  return open_store(location, StoreMode::read_write);
}

Value cell(const ResultsStore& store, const std::string& sql) {
  const auto table = store.query(sql);
  REQUIRE(table.rows.size() == 1);
  return table.rows.at(0).at(0);
}
std::int64_t count(const ResultsStore& store, const std::string& sql) {
  return std::get<std::int64_t>(cell(store, sql));
}
std::string text(const ResultsStore& store, const std::string& sql) { return to_text(cell(store, sql), "<null>"); }

// A run that starts, then ends in `status`.
std::int64_t finished_run(ResultsStore& store, std::int64_t experiment, const NewRun& spec, RunStatus status) {
  const auto run = store.create_run(experiment, spec);
  store.set_status(run, RunStatus::running);
  store.set_status(run, status, status == RunStatus::completed ? "" : "boom");
  return run;
}

std::string this_host() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return host;
}

}  // namespace

TEST_CASE("store: begin_experiment is idempotent and keeps the first description", "[storage][conformance]") {
  each_store("experiments", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto id = store->begin_experiment("freeze", "freeze scenarios");
    CHECK(store->begin_experiment("freeze") == id);
    CHECK(store->begin_experiment("freeze", "another text") == id);
    CHECK(store->begin_experiment("other") != id);
    CHECK(count(*store, "SELECT count(*) FROM experiments") == 2);
    CHECK(text(*store, "SELECT description FROM experiments WHERE name = 'freeze'") == "freeze scenarios");
    CHECK_THROWS_WITH(store->begin_experiment(""), Contains("name is empty"));
  });
}

TEST_CASE("store: stores claiming the same trials at once take each trial once", "[storage][conformance]") {
  each_store("claims", [](const std::string& location) {
    const auto experiment = open_rw(location)->begin_experiment("e");
    constexpr int kTrials = 20, kWorkers = 4;
    std::atomic<int> claimed{0};
    std::vector<std::string> errors(kWorkers);  // Catch's assertions are not for other threads
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] {
        try {
          const auto store = open_rw(location);  // its own connection, as another process would have
          for (int t = 0; t < kTrials; ++t) {
            if (store->claim_trial(experiment, test::make_run("none", t), RerunPolicy::skip_done).run_id) ++claimed;
          }
        } catch (const std::exception& e) {
          errors[w] = e.what();
        }
      });
    }
    for (auto& w : workers) w.join();
    CHECK(errors == std::vector<std::string>(kWorkers));
    CHECK(claimed == kTrials);
    const auto store = open_rw(location);
    CHECK(count(*store, "SELECT count(*) FROM runs") == kTrials);
    CHECK(count(*store, "SELECT count(DISTINCT trial) FROM runs") == kTrials);
  });
}

TEST_CASE("store: worker processes claiming and finishing the same trials run each exactly once",
          "[storage][conformance]") {
  // As `mtlab worker` does: --resume claims, and each claimed trial ends at once,
  // so claims race with other processes' status changes as well as their claims.
  each_store("claim_processes", [](const std::string& location) {
    const auto experiment = open_rw(location)->begin_experiment("e");
    constexpr int kTrials = 30, kWorkers = 4;
    std::vector<pid_t> workers;
    for (int w = 0; w < kWorkers; ++w) {
      const pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        int code = 0;
        try {
          const auto store = open_rw(location);
          for (int t = 0; t < kTrials; ++t) {
            const auto claim = store->claim_trial(experiment, test::make_run("none", t), RerunPolicy::resume,
                                                  kStaleAfter, {}, 3);
            if (!claim.run_id) continue;
            store->set_status(*claim.run_id, RunStatus::running);
            store->set_status(*claim.run_id, RunStatus::completed);
          }
        } catch (...) {
          code = 1;
        }
        _exit(code);
      }
      workers.push_back(pid);
    }
    for (const pid_t pid : workers) {
      int status = 0;
      waitpid(pid, &status, 0);
      CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    const auto store = open_rw(location);
    CHECK(count(*store, "SELECT count(*) FROM runs") == kTrials);
    CHECK(count(*store, "SELECT count(*) FROM runs WHERE status = 'completed'") == kTrials);
  });
}

TEST_CASE("store: the re-run policies", "[storage][conformance]") {
  each_store("rerun", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    const auto done = test::make_run("none", 1), failed = test::make_run("all", 1), cut = test::make_run("embeddings", 1);
    const auto done_run = finished_run(*store, e, done, RunStatus::completed);
    const auto failed_run = finished_run(*store, e, failed, RunStatus::failed);
    const auto cut_run = finished_run(*store, e, cut, RunStatus::interrupted);

    // skip_done: a completed trial is skipped, failed and interrupted ones are left alone.
    auto claim = store->claim_trial(e, done, RerunPolicy::skip_done);
    CHECK_FALSE(claim.run_id);
    CHECK(claim.decision.previous_run == done_run);
    CHECK_THAT(claim.decision.reason, Contains("already completed"));
    CHECK_FALSE(store->claim_trial(e, failed, RerunPolicy::skip_done).run_id);
    CHECK_FALSE(store->claim_trial(e, cut, RerunPolicy::skip_done).run_id);
    // A changed config is another trial: it runs.
    auto changed = done;
    changed.config_hash = "changed";
    CHECK(store->decide_trial("e", changed.trial, changed.config_hash, RerunPolicy::skip_done).run);

    // resume: a failed run never; an interrupted one in its own row when it has a checkpoint.
    CHECK_FALSE(store->claim_trial(e, failed, RerunPolicy::resume, kStaleAfter, [](auto) { return true; }).run_id);
    claim = store->claim_trial(e, cut, RerunPolicy::resume, kStaleAfter, [](auto) { return true; });
    CHECK(claim.run_id == cut_run);
    CHECK(claim.resumed);
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(cut_run)) == "running");
    store->set_status(cut_run, RunStatus::interrupted, "again");
    claim = store->claim_trial(e, cut, RerunPolicy::resume, kStaleAfter, [](auto) { return false; });
    REQUIRE(claim.run_id);
    CHECK(*claim.run_id != cut_run);
    CHECK_FALSE(claim.resumed);

    // rerun_failed: a new row for the failed trial, the completed one still skipped.
    claim = store->claim_trial(e, failed, RerunPolicy::rerun_failed);
    REQUIRE(claim.run_id);
    CHECK(*claim.run_id != failed_run);
    CHECK_FALSE(store->claim_trial(e, done, RerunPolicy::rerun_failed).run_id);

    // force: the completed trial again, as a new row; history kept.
    claim = store->claim_trial(e, done, RerunPolicy::force);
    REQUIRE(claim.run_id);
    CHECK(*claim.run_id != done_run);
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(done_run)) == "completed");
    CHECK(count(*store, "SELECT count(*) FROM runs") == 6);
  });
}

TEST_CASE("store: a dead run's trial is its next attempt, up to max_attempts, then failed", "[storage][conformance]") {
  each_store("attempts", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    const auto spec = test::make_run("none", 1);  // of host-a: dead once its heartbeat is older than the window
    const auto first = store->claim_trial(e, spec, RerunPolicy::resume, kStaleAfter, {}, 3);
    REQUIRE(first.run_id);
    store->set_status(*first.run_id, RunStatus::running);
    const std::string attempt = "SELECT attempt FROM runs WHERE id = ";
    CHECK(count(*store, attempt + std::to_string(*first.run_id)) == 1);

    // Alive: left to its owner, and said so (a worker comes back to it).
    auto claim = store->claim_trial(e, spec, RerunPolicy::resume, kStaleAfter, [](auto) { return true; }, 3);
    CHECK_FALSE(claim.run_id);
    CHECK(claim.decision.busy);

    // Dead with a checkpoint: reopened as attempt 2; without one: a new run, attempt 3.
    const std::chrono::seconds dead(-1);
    claim = store->claim_trial(e, spec, RerunPolicy::resume, dead, [](auto) { return true; }, 3);
    CHECK(claim.run_id == first.run_id);
    CHECK(claim.resumed);
    CHECK(count(*store, attempt + std::to_string(*first.run_id)) == 2);
    claim = store->claim_trial(e, spec, RerunPolicy::resume, dead, [](auto) { return false; }, 3);
    REQUIRE(claim.run_id);
    CHECK(*claim.run_id != *first.run_id);
    CHECK(count(*store, attempt + std::to_string(*claim.run_id)) == 3);
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(*first.run_id)) == "interrupted");

    // The third attempt dies too: out of attempts, the run is marked failed and not claimed again.
    store->set_status(*claim.run_id, RunStatus::running);
    const auto last = *claim.run_id;
    claim = store->claim_trial(e, spec, RerunPolicy::resume, dead, [](auto) { return true; }, 3);
    CHECK_FALSE(claim.run_id);
    CHECK(claim.decision.exhausted);
    CHECK_THAT(claim.decision.reason, Contains("attempt 3 of 3 allowed"));
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(last)) == "failed");
    CHECK_THAT(text(*store, "SELECT error FROM runs WHERE id = " + std::to_string(last)),
               Contains("experiment.max_retries"));
    CHECK_FALSE(store->claim_trial(e, spec, RerunPolicy::resume, dead, [](auto) { return true; }, 3).run_id);
    CHECK(count(*store, "SELECT count(*) FROM runs") == 2);
  });
}

TEST_CASE("store: the trial queue is published once, read back in order, and refuses another sweep",
          "[storage][conformance]") {
  each_store("queue", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    const std::vector<QueuedTrial> sweep = {{0, "lr=0.1", "h0", R"({"a":1})"}, {1, "lr=0.2", "h1", R"({"a":2})"}};
    store->publish_trials(e, sweep);
    store->publish_trials(e, sweep);  // a second worker publishing the same sweep changes nothing
    const auto back = open_store(location, StoreMode::read_only)->queued_trials("e");
    REQUIRE(back.size() == 2);
    CHECK(back[1].position == 1);
    CHECK(back[1].trial == "lr=0.2");
    CHECK(back[1].config_hash == "h1");
    CHECK(back[1].trial_json == R"({"a":2})");
    CHECK(store->queued_trials("other").empty());

    auto changed = sweep;
    changed[1].config_hash = "h1-changed";
    CHECK_THROWS_WITH(store->publish_trials(e, changed), Contains("trial 2 ('lr=0.2') was already queued") &&
                                                             Contains("another config"));
    CHECK_THROWS_WITH(store->publish_trials(e, {sweep[0]}), Contains("2 trials are queued, this sweep has 1"));
    CHECK(count(*store, "SELECT count(*) FROM trial_queue") == 2);  // the refused publications wrote nothing
  });
}

RungRecord rung_record(std::int64_t run, int rung, double value, const std::string& decision) {
  RungRecord r;
  r.run_id = run;
  r.rung = rung;
  r.resource = rung == 0 ? 1 : 3;
  r.unit = "epochs";
  r.max_resource = 9;
  r.step = 10 * (rung + 1);
  r.value = value;
  r.method = "asha";
  r.decision = decision;
  r.peers = 3;
  r.rule = "top 1 of 3 (eta 3)";
  return r;
}

TEST_CASE("store: a pruned run keeps its rungs and is not re-run and is promoted once by one of many processes",
          "[storage][conformance]") {
  each_store("rungs", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    const auto paused = finished_run(*store, e, test::make_run("none", 1), RunStatus::pruned);
    const auto other = finished_run(*store, e, test::make_run("none", 2), RunStatus::completed);
    store->record_rung(rung_record(paused, 0, 0.61, "paused"));
    auto cont = rung_record(other, 0, 0.75, "continued");
    cont.cutoff = 0.75;
    store->record_rung(cont);
    store->record_rung(rung_record(other, 1, 0.8, "continued"));
    const auto rows = store->rung_entries("e");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].run_id == paused);
    CHECK(rows[0].status == RunStatus::pruned);
    CHECK(rows[0].trial == "freeze=none,seed=1");
    CHECK_FALSE(rows[0].cutoff);
    CHECK(rows[1].cutoff == 0.75);
    CHECK(rows[2].rung == 1);
    CHECK(store->rung_entries("no such experiment").empty());
    // Recording a rung again replaces it (a resumed run judges it anew).
    store->record_rung(rung_record(paused, 0, 0.62, "paused"));
    CHECK(text(*store, "SELECT value FROM rungs WHERE run_id = " + std::to_string(paused)) == "0.62");

    // Not re-run by any policy but --force; not resumed.
    for (auto policy : {RerunPolicy::skip_done, RerunPolicy::rerun_failed, RerunPolicy::resume}) {
      const auto d = store->decide_trial("e", "freeze=none,seed=1", test::make_run("none", 1).config_hash, policy);
      CHECK_FALSE(d.run);
      CHECK_THAT(d.reason, Contains("was pruned"));
    }
    CHECK(store->decide_trial("e", "freeze=none,seed=1", test::make_run("none", 1).config_hash, RerunPolicy::force).run);

    // Promotion: only a paused row of a pruned run, once.
    CHECK_FALSE(store->promote_run(other, 0, "h"));  // continued, not paused
    constexpr int kProcesses = 4;
    std::vector<pid_t> children;
    for (int w = 0; w < kProcesses; ++w) {
      const pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        int code = 2;
        try {
          code = open_rw(location)->promote_run(paused, 0, "h") ? 0 : 1;
        } catch (...) {
        }
        _exit(code);
      }
      children.push_back(pid);
    }
    int winners = 0, losers = 0;
    for (const pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      REQUIRE(WIFEXITED(status));
      (WEXITSTATUS(status) == 0 ? winners : losers) += 1;
      CHECK(WEXITSTATUS(status) != 2);
    }
    CHECK(winners == 1);
    CHECK(losers == kProcesses - 1);
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(paused)) == "running");
    CHECK(text(*store, "SELECT decision FROM rungs WHERE run_id = " + std::to_string(paused)) == "promoted");
    CHECK(text(*store, "SELECT promoted_at IS NOT NULL FROM rungs WHERE run_id = " + std::to_string(paused)) != "0");
    CHECK_THAT(text(*store, "SELECT error FROM runs WHERE id = " + std::to_string(paused)),
               Contains("promoted from rung 0"));
    CHECK_FALSE(store->promote_run(paused, 0, "h"));
    // A promoted run ends like any other run.
    store->set_status(paused, RunStatus::completed);
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(paused)) == "completed");
    CHECK_THROWS_WITH(store->record_rung(rung_record(paused, 2, 0.9, "maybe")), Contains("rung"));
  });
}

TEST_CASE("store: duration_s counts the time a run ran, not the time it spent paused or dead before it went on",
          "[storage][conformance]") {
  each_store("duration", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    // Paused at a rung, then promoted; and a run whose process died, then resumed from its checkpoint.
    const auto paused = finished_run(*store, e, test::make_run("none", 1), RunStatus::pruned);
    store->record_rung(rung_record(paused, 0, 0.61, "paused"));
    const auto spec = test::make_run("all", 1);
    const auto dead = store->claim_trial(e, spec, RerunPolicy::resume, kStaleAfter, {}, 3);
    REQUIRE(dead.run_id);
    store->set_status(*dead.run_id, RunStatus::running);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the pause; the dead time

    REQUIRE(store->promote_run(paused, 0, "h"));
    const auto resumed = store->claim_trial(e, spec, RerunPolicy::resume, std::chrono::seconds(-1),
                                            [](auto) { return true; }, 3);
    REQUIRE(resumed.resumed);
    for (const auto run : {paused, *dead.run_id}) {
      const auto id = std::to_string(run);
      CHECK(text(*store, "SELECT resumed_at > started_at FROM runs WHERE id = " + id) == "1");
      store->set_status(run, RunStatus::completed);
      // Both stretches together took well under the 1.1 s between them (ended_at - started_at is over it).
      CHECK(text(*store, "SELECT duration_s >= 0 AND duration_s < 0.6 FROM runs WHERE id = " + id) == "1");
    }
  });
}

TEST_CASE("store: heartbeats keep a run of another host alive, and a silent one goes stale", "[storage][conformance]") {
  each_store("heartbeat", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    const auto remote = store->create_run(e, test::make_run("none", 1));  // host-a: liveness by heartbeat
    store->set_status(remote, RunStatus::running);
    auto local_spec = test::make_run("all", 1);
    local_spec.environment.host = this_host();  // this process: alive whatever its heartbeat says
    const auto local = store->create_run(e, local_spec);
    store->set_status(local, RunStatus::running);
    const std::chrono::seconds window(1);

    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    store->heartbeat(remote);
    CHECK(store->mark_stale_runs_interrupted("e", window) == 0);
    CHECK_FALSE(store->decide_trial("e", local_spec.trial, local_spec.config_hash, RerunPolicy::rerun_failed,
                                    std::chrono::seconds(-1))
                    .run);
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    CHECK(store->mark_stale_runs_interrupted("other-experiment", window) == 0);
    CHECK(store->mark_stale_runs_interrupted("e", window) == 1);
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(remote)) == "interrupted");
    CHECK_THAT(text(*store, "SELECT error FROM runs WHERE id = " + std::to_string(remote)), Contains("no heartbeat"));
    CHECK(text(*store, "SELECT status FROM runs WHERE id = " + std::to_string(local)) == "running");
  });
}

TEST_CASE("store: statuses go pending, running, then one end, and the error text is kept", "[storage][conformance]") {
  each_store("status", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto e = store->begin_experiment("e");
    const auto run = store->create_run(e, test::make_run("none", 1));
    const std::string where = "SELECT status || '|' || coalesce(error, '') FROM runs WHERE id = " + std::to_string(run);
    CHECK(text(*store, where) == "pending|");
    store->set_status(run, RunStatus::running);
    CHECK(text(*store, where) == "running|");
    CHECK(text(*store, "SELECT started_at IS NOT NULL AND ended_at IS NULL FROM runs") == "1");
    store->set_status(run, RunStatus::failed, "out of memory\nat step 10");
    CHECK(text(*store, where) == "failed|out of memory\nat step 10");
    CHECK(text(*store, "SELECT duration_s >= 0 AND ended_at IS NOT NULL FROM runs") == "1");
    CHECK_THROWS_WITH(store->set_status(run, RunStatus::completed), Contains("already failed"));
    CHECK(text(*store, where) == "failed|out of memory\nat step 10");
    store->set_error(run, "rewritten");
    CHECK(text(*store, where) == "failed|rewritten");
    CHECK_THROWS_WITH(store->set_status(run + 100, RunStatus::running), Contains("no such run"));

    const auto cut = store->create_run(e, test::make_run("all", 1));
    store->set_status(cut, RunStatus::running, "first attempt");
    store->set_status(cut, RunStatus::interrupted, "Ctrl-C");
    CHECK(text(*store, "SELECT error FROM runs WHERE id = " + std::to_string(cut)) == "first attempt\nCtrl-C");
  });
}

TEST_CASE("store: metrics are buffered until flushed, and rewind drops what followed a step", "[storage][conformance]") {
  each_store("metrics", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto run = store->create_run(store->begin_experiment("e"), test::make_run("none", 1));
    store->set_status(run, RunStatus::running);
    for (int step = 1; step <= 6; ++step) store->log_metric(run, "", "train", "loss", step, 1.0 / step, 0.1 * step);
    store->log_metric(run, "intent", "dev", "accuracy", 6, 0.5);  // a final evaluation at the last step
    CHECK(store->buffered() == 7);
    CHECK(count(*store, "SELECT count(*) FROM metrics") == 0);
    store->flush();
    CHECK(store->buffered() == 0);
    CHECK(count(*store, "SELECT count(*) FROM metrics") == 7);
    CHECK(text(*store, "SELECT value FROM final_metrics WHERE metric = 'intent.dev.accuracy'") == "0.5");
    CHECK_THROWS_WITH(store->log_metric(run, "", "", "loss", 1, 0.0), Contains("non-empty"));

    store->record_artifact(run, {"model", "runs/model/model.safetensors", 10, "ab"});
    store->log_metric(run, "", "train", "loss", 7, 0.1, 0.7);  // buffered: the rewind writes it first
    store->rewind_metrics(run, 4);
    CHECK(count(*store, "SELECT count(*) FROM metrics") == 4);
    CHECK(count(*store, "SELECT max(step) FROM metrics") == 4);
    CHECK(count(*store, "SELECT count(*) FROM artifacts WHERE kind = 'model'") == 0);

    store->log_metric(run, "", "train", "loss", 5, 0.2, 0.5);
    store->set_status(run, RunStatus::completed);  // a status change flushes
    CHECK(count(*store, "SELECT count(*) FROM metrics") == 5);
  });
}

TEST_CASE("store: artifacts, plugins and run facts", "[storage][conformance]") {
  each_store("records", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto run = store->create_run(store->begin_experiment("e"), test::make_run("none", 1));
    const auto file = test::scratch_dir("store_records_file") / "model.bin";
    std::ofstream(file) << "abc";
    store->record_artifact_file(run, "checkpoint", file);
    CHECK(text(*store, "SELECT kind || '|' || path || '|' || size_bytes || '|' || sha256 FROM artifacts") ==
          "checkpoint|" + file.string() + "|3|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_THROWS_WITH(store->record_artifact_file(run, "log", file.string() + ".missing"),
                      Contains("cannot record artifact"));

    store->record_plugin(run, {"loss", "cross_entropy", "1.0.0", "/p/a.so", "aa"});
    store->record_plugin(run, {"loss", "cross_entropy", "1.1.0", "/p/b.so", "bb"});
    store->record_plugin(run, {"head", "sequence_classification", "1.0.0", "/p/c.so", "cc"});
    CHECK(count(*store, "SELECT count(*) FROM plugins") == 2);
    CHECK(text(*store, "SELECT version || '|' || file FROM plugins WHERE kind = 'loss'") == "1.1.0|/p/b.so");

    store->record_fact(run, "freeze.trainable_parameters", "1234");
    store->record_fact(run, "freeze.trainable_parameters", "99");
    store->record_fact(run, "labels.intent", "a,b");
    CHECK(count(*store, "SELECT count(*) FROM run_facts") == 2);
    CHECK(text(*store, "SELECT value FROM run_facts WHERE key = 'freeze.trainable_parameters'") == "99");
  });
}

TEST_CASE("store: report_experiment gives runs with their facts and final metrics, and every series in step order", "[storage][conformance]") {
  each_store("report", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto experiment = store->begin_experiment("e", "what it is");
    const auto done = finished_run(*store, experiment, test::make_run("none", 1), RunStatus::completed);
    const auto failed = store->create_run(experiment, test::make_run("all", 1));
    store->set_status(failed, RunStatus::running);
    for (int step = 3; step >= 1; --step) store->log_metric(done, "", "train", "loss", step, 1.0 / step);
    store->log_metric(done, "intent", "dev", "accuracy", 3, 0.75);
    store->record_fact(done, "freeze.trainable_parameters", "42");
    store->set_status(failed, RunStatus::failed, "out of memory");
    store->flush();

    const auto report = store->report_experiment("e");
    CHECK(report.name == "e");
    CHECK(report.description == "what it is");
    REQUIRE(report.runs.size() == 2);
    CHECK(report.runs[0].id == done);
    CHECK(report.runs[0].status == "completed");
    CHECK(report.runs[0].facts.at("freeze.trainable_parameters") == "42");
    CHECK(report.runs[0].final_metrics.at("intent.dev.accuracy") == 0.75);
    CHECK(report.runs[1].status == "failed");
    CHECK(report.runs[1].error == "out of memory");
    const auto loss = std::find_if(report.series.begin(), report.series.end(),
                                   [](const ReportSeries& s) { return s.name == "loss" && s.split == "train"; });
    REQUIRE(loss != report.series.end());
    CHECK(loss->run_id == done);
    CHECK(loss->steps == std::vector<std::int64_t>{1, 2, 3});
    CHECK(*loss->values[0] == 1.0);
    CHECK_THROWS_WITH(store->report_experiment("nope"), Contains("nope"));
  });
}

TEST_CASE("store: lineage look-ups find the latest completed run and its saved model", "[storage][conformance]") {
  each_store("lineage", [](const std::string& location) {
    const auto store = open_rw(location);
    const auto src = store->begin_experiment("src");
    auto spec = test::make_run("none", 1);
    spec.trial = "base";
    const auto first = finished_run(*store, src, spec, RunStatus::completed);
    store->record_artifact(first, {"model", "/runs/1/model/heads.json", 2, "aa"});
    spec.config_hash = "other config";
    const auto second = store->create_run(src, spec);
    store->set_status(second, RunStatus::running);
    store->record_artifact(second, {"model", "/runs/2/model/model.safetensors", 2, "bb"});
    store->record_artifact(second, {"model", "/runs/2/old/heads.json", 2, "cc"});
    store->record_artifact(second, {"model", "/runs/2/model/heads.json", 2, "dd"});
    store->set_status(second, RunStatus::completed);
    finished_run(*store, src, spec, RunStatus::failed);  // later, but not completed
    auto other = test::make_run("all", 1);
    finished_run(*store, store->begin_experiment("another"), other, RunStatus::completed);
    finished_run(*store, src, other, RunStatus::completed);

    CHECK(store->latest_completed_run("src", "base") == second);
    CHECK_FALSE(store->latest_completed_run("src", "nope"));
    CHECK_FALSE(store->latest_completed_run("another", "base"));
    CHECK(store->find_completed_run("src", "base", test::make_run("none", 1).config_hash) == first);
    CHECK(store->completed_trials() == std::vector<std::string>{"another/" + other.trial, "src/base", "src/" + other.trial});
    CHECK(store->saved_model_folder(second) == "/runs/2/model");
    CHECK(store->saved_model_folder(first) == "/runs/1/model");
    const auto without = finished_run(*store, src, test::make_run("layers:1", 1), RunStatus::completed);
    CHECK_THROWS_WITH(store->saved_model_folder(without),
                      Contains(store->location()) && Contains("run " + std::to_string(without) + " saved no model"));
  });
}

TEST_CASE("store: read-only access reads everything and writes nothing", "[storage][conformance]") {
  each_store("read_only", [](const std::string& location) {
    std::int64_t run = 0;
    {
      const auto store = open_rw(location);
      run = finished_run(*store, store->begin_experiment("e"), test::make_run("none", 1), RunStatus::completed);
      store->log_metric(run, "intent", "dev", "accuracy", 1, 0.75);
      CHECK_THROWS_WITH(store->query("UPDATE runs SET status = 'failed'"), Contains("read-only"));
      CHECK(count(*store, "SELECT count(*) FROM runs WHERE status = 'completed'") == 1);
    }
    const auto ro = open_store(location, StoreMode::read_only);
    CHECK(ro->read_only());
    CHECK(count(*ro, "SELECT count(*) FROM metrics") == 1);  // flushed when the writer closed
    CHECK_THROWS_WITH(ro->query("DELETE FROM runs"), Contains("read-only") && Contains("DELETE"));
    CHECK_THROWS_WITH(ro->query("SELECT 1; SELECT 2"), Contains("only one SQL statement"));
    CHECK_THROWS_WITH(ro->begin_experiment("x"), Contains("read-only") && Contains(location));
    CHECK_THROWS_WITH(ro->set_status(run, RunStatus::failed), Contains("read-only"));
    CHECK_THROWS_WITH(ro->record_fact(run, "k", "v"), Contains("read-only"));
    CHECK(count(*ro, "SELECT count(*) FROM run_facts") == 0);
    CHECK(ro->list_runs({}).rows.size() == 1);
    CHECK(ro->export_experiment("e").rows.size() == 1);
    CHECK(ro->compare_trials("e", "intent.dev.accuracy").rows.size() == 1);
    CHECK(ro->latest_completed_run("e", test::make_run("none", 1).trial) == run);
    CHECK_THROWS_WITH(ro->export_experiment("missing"), Contains("no experiment named 'missing'"));
  });
}

TEST_CASE("open_store: file paths and sqlite: locations open SQLite and other schemes are refused by name",
          "[storage][conformance]") {
  const auto dir = test::scratch_dir("store_open");
  const auto plain = (dir / "plain.db").string();
  open_rw(plain)->begin_experiment("plain");
  CHECK(open_store("sqlite:" + plain, StoreMode::read_only)->query("SELECT name FROM experiments").rows.size() == 1);
  // SQLAlchemy's form: sqlite:/// then the path, so an absolute one has four slashes.
  CHECK(open_store("sqlite:///" + plain, StoreMode::read_only)->location() == plain);
  CHECK_THROWS_WITH(open_store("sqlite:///no/such.db", StoreMode::read_only), StartsWith("no/such.db: no such"));
  CHECK_THROWS_WITH(open_store("mysql://db/results", StoreMode::read_only), Contains("unknown kind of store 'mysql'"));
  CHECK_THROWS_WITH(open_store("sqlite:", StoreMode::read_only), Contains("no file path"));
  CHECK_THROWS_WITH(open_store((dir / "missing.db").string(), StoreMode::read_only), Contains("no such database file"));
}
