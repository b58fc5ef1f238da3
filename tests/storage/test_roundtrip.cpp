// Writer → database → plain SQL: everything the trainer writes comes back as
// plain numbers and ISO-8601 text, and the views answer the common questions.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "db_helpers.h"
#include "mtlab/storage/clock.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/metric_ref.h"
#include "mtlab/storage/params.h"
#include "mtlab/storage/rerun.h"
#include "mtlab/storage/writer.h"
#include "storage_fixture.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace mtlab;
using namespace mtlab::storage;
using Catch::Matchers::Contains;
using test::scalar_double;
using test::scalar_int;
using test::scalar_text;

TEST_CASE("round trip: runs, params, metrics, views read back as plain SQL", "[storage]") {
  const auto db_path = test::scratch_dir("storage_roundtrip") / "results.db";
  test::fill_fixture(db_path);
  const auto db = Database::open_read_only(db_path);

  CHECK(scalar_int(db, "SELECT count(*) FROM experiments") == 2);
  CHECK(scalar_int(db, "SELECT count(*) FROM runs") == 8);
  CHECK(scalar_int(db, "SELECT count(*) FROM runs WHERE status = 'completed'") == 7);
  CHECK(scalar_int(db, "SELECT count(*) FROM metrics") == 6 * 9 + 1 + 1);
  CHECK(scalar_text(db, "PRAGMA journal_mode") == "wal");

  // The run row: environment, config, ISO-8601 UTC times, numeric duration.
  const std::string run1 = "(SELECT id FROM runs WHERE trial = 'freeze=none,seed=13')";
  CHECK(scalar_text(db, "SELECT host || '|' || os || '|' || cpu || '|' || threads || '|' || mtlab_version || '|' || "
                        "git_commit || '|' || torch_version || '|' || blas FROM runs WHERE id = " + run1) ==
        "host-a|Linux 6.1|Test CPU|2|0.1.0|abc123|2.1.0|libopenblas.so.0");
  CHECK(scalar_int(db, "SELECT seed FROM runs WHERE id = " + run1) == 13);
  CHECK(scalar_text(db, "SELECT config_hash FROM runs WHERE id = " + run1) == "hash-none-13");
  CHECK_THAT(scalar_text(db, "SELECT config_toml FROM runs WHERE id = " + run1), Contains("freeze = \"none\""));
  CHECK(nlohmann::json::parse(scalar_text(db, "SELECT config_json FROM runs WHERE id = " + run1))["training"]["freeze"] ==
        "none");
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const char* column : {"created_at", "started_at", "ended_at", "heartbeat_at"}) {
    INFO(column);
    CHECK(std::regex_match(scalar_text(db, std::string("SELECT ") + column + " FROM runs WHERE id = " + run1), iso));
  }
  CHECK(scalar_text(db, "SELECT typeof(duration_s) FROM runs WHERE id = " + run1) == "real");
  CHECK(scalar_double(db, "SELECT duration_s FROM runs WHERE id = " + run1) >= 0);
  CHECK(scalar_int(db, "SELECT julianday(ended_at) >= julianday(started_at) FROM runs WHERE id = " + run1) == 1);
  CHECK(scalar_int(db, "SELECT pid FROM runs WHERE id = " + run1) == getpid());
  CHECK(scalar_text(db, "SELECT error FROM runs WHERE id = " + run1) == "<null>");
  CHECK(scalar_text(db, "SELECT error FROM runs WHERE status = 'failed'") ==
        "std::runtime_error: out of memory\nat step 10");

  // Params: one typed row per flattened key.
  CHECK(scalar_int(db, "SELECT count(*) FROM params WHERE key = 'training.freeze' AND value_text = 'none'") == 4);
  CHECK(scalar_text(db, "SELECT value_type || '|' || value_int || '|' || typeof(value_real) FROM params "
                        "WHERE key = 'training.epochs' AND run_id = " + run1) == "int|2|real");
  CHECK(scalar_text(db, "SELECT value_type || '|' || value_int || '|' || value_text FROM params "
                        "WHERE key = 'training.shuffle' AND run_id = " + run1) == "bool|1|true");
  CHECK(scalar_double(db, "SELECT value_real FROM params WHERE key = 'optimizer.lr' AND run_id = " + run1) == 3e-5);
  CHECK(scalar_text(db, "SELECT value_type || '|' || value_text FROM params WHERE key = 'tasks.intent.metrics' "
                        "AND run_id = " + run1) == R"(array|["accuracy","macro_f1"])");
  CHECK(scalar_int(db, "SELECT count(*) FROM runs AS r JOIN params AS p ON p.run_id = r.id "
                       "WHERE p.key = 'optimizer.lr' AND p.value_real < 1e-4") == 8);

  // Metrics: numbers as numbers.
  CHECK(scalar_text(db, "SELECT DISTINCT typeof(value) || typeof(wall_time) || typeof(step) || typeof(epoch) "
                        "FROM metrics WHERE run_id = " + run1) == "realrealintegerreal");
  CHECK(std::fabs(scalar_double(db, "SELECT max(wall_time) FROM metrics") - unix_seconds_now()) < 600);

  // final_metrics: the last value of each series.
  CHECK(scalar_double(db, "SELECT value FROM final_metrics WHERE run_id = " + run1 +
                              " AND metric = 'intent.dev.accuracy'") == Approx(0.80));
  CHECK(scalar_int(db, "SELECT step FROM final_metrics WHERE run_id = " + run1 + " AND metric = 'intent.dev.accuracy'") ==
        30);
  CHECK(scalar_double(db, "SELECT value FROM final_metrics WHERE run_id = " + run1 + " AND metric = 'train.loss'") ==
        Approx(2.0 / 3));
  CHECK(scalar_int(db, "SELECT count(*) FROM final_metrics WHERE experiment = 'freeze'") == 6 * 3 + 1);

  // best_runs: higher accuracy, lower loss; failed runs never win.
  CHECK(scalar_text(db, "SELECT trial || '|' || direction FROM best_runs WHERE experiment = 'freeze' AND "
                        "metric = 'intent.dev.accuracy'") == "freeze=none,seed=15|higher");
  CHECK(scalar_double(db, "SELECT value FROM best_runs WHERE experiment = 'freeze' AND "
                          "metric = 'intent.dev.accuracy'") == Approx(0.84));
  CHECK(scalar_text(db, "SELECT trial || '|' || direction FROM best_runs WHERE experiment = 'freeze' AND "
                        "metric = 'intent.dev.loss'") == "freeze=none,seed=15|lower");
  CHECK(scalar_int(db, "SELECT count(*) FROM best_runs WHERE experiment = 'other'") == 1);
}

TEST_CASE("artifacts, plugins and run facts are recorded", "[storage]") {
  const auto dir = test::scratch_dir("storage_artifacts");
  const auto file = dir / "model.safetensors";
  std::ofstream(file) << "abc";
  {
    Writer w(dir / "r.db");
    const auto run = w.create_run(w.begin_experiment("e"), test::make_run("none", 1));
    w.record_artifact_file(run, "checkpoint", file);
    w.record_artifact(run, {"predictions", "preds.jsonl", std::nullopt, ""});
    w.record_plugin(run, {"loss", "cross_entropy", "1.0.0", "/lib/cross_entropy.so", "ff00"});
    w.record_plugin(run, {"loss", "cross_entropy", "1.0.1", "/lib/cross_entropy.so", "ff01"});  // updated, not doubled
    w.record_fact(run, "freeze.policy", "backbone");
    w.record_fact(run, "freeze.policy", "none");  // replaced, not doubled
    w.record_fact(run, "train.total_steps", "120");
  }
  const auto db = Database::open_read_only(dir / "r.db");
  CHECK(scalar_text(db, "SELECT kind || '|' || size_bytes || '|' || sha256 FROM artifacts WHERE kind = 'checkpoint'") ==
        "checkpoint|3|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(scalar_text(db, "SELECT path FROM artifacts WHERE kind = 'checkpoint'") == file.string());
  CHECK(scalar_text(db, "SELECT coalesce(size_bytes, 'none') || coalesce(sha256, 'none') FROM artifacts "
                        "WHERE kind = 'predictions'") == "nonenone");
  CHECK(scalar_int(db, "SELECT count(*) FROM plugins") == 1);
  CHECK(scalar_text(db, "SELECT kind || '|' || name || '|' || version || '|' || sha256 FROM plugins") ==
        "loss|cross_entropy|1.0.1|ff01");
  CHECK(scalar_int(db, "SELECT count(*) FROM run_facts") == 2);
  CHECK(scalar_text(db, "SELECT value FROM run_facts WHERE key = 'freeze.policy'") == "none");
}

TEST_CASE("status changes follow pending -> running -> terminal", "[storage]") {
  const auto dir = test::scratch_dir("storage_status");
  Writer w(dir / "r.db");
  const auto run = w.create_run(w.begin_experiment("e"), test::make_run("none", 1));
  CHECK(test::scalar_text(w.database(), "SELECT status FROM runs") == "pending");
  w.set_status(run, RunStatus::running);
  w.set_status(run, RunStatus::completed);
  CHECK_THROWS_WITH(w.set_status(run, RunStatus::failed, "late"),
                    Contains("already completed") && Contains("never changes status"));
  CHECK(test::scalar_text(w.database(), "SELECT status || coalesce(error, '') FROM runs") == "completed");
  CHECK_THROWS_WITH(w.set_status(run + 100, RunStatus::running), Contains("no such run"));
  // A run that fails before it starts has no duration, but an end time.
  const auto early = w.create_run(w.begin_experiment("e"), test::make_run("all", 1));
  w.set_status(early, RunStatus::failed, "data file missing");
  CHECK(test::scalar_text(w.database(), "SELECT status || '|' || error || '|' || (ended_at IS NOT NULL) || '|' || "
                                        "coalesce(duration_s, 'null') FROM runs WHERE id = " + std::to_string(early)) ==
        "failed|data file missing|1|null");
  CHECK_THROWS_WITH(w.create_run(999, test::make_run("x", 1)), Contains("FOREIGN KEY"));
  auto bad = test::make_run("x", 1);
  bad.config_hash.clear();
  CHECK_THROWS_WITH(w.create_run(1, bad), Contains("config_hash is empty"));
  bad = test::make_run("x", 1);
  bad.config_json = "{not json";
  CHECK_THROWS_WITH(w.create_run(1, bad), Contains("not valid JSON"));
  CHECK(test::scalar_int(w.database(), "SELECT count(*) FROM runs") == 2);
}

TEST_CASE("metrics are buffered, then flushed on batch size, status change and destruction", "[storage]") {
  const auto dir = test::scratch_dir("storage_buffer");
  const auto path = dir / "r.db";
  std::int64_t run = 0;
  const auto count = [&] { return test::scalar_int(Database::open_read_only(path), "SELECT count(*) FROM metrics"); };
  {
    Writer w(path, WriterOptions{10});
    run = w.create_run(w.begin_experiment("e"), test::make_run("none", 1));
    w.set_status(run, RunStatus::running);
    for (int i = 0; i < 5; ++i) w.log_metric(run, "t", "train", "loss", i, 1.0 / (i + 1));
    CHECK(w.buffered() == 5);
    CHECK(count() == 0);
    for (int i = 5; i < 12; ++i) w.log_metric(run, "t", "train", "loss", i, 1.0 / (i + 1));
    CHECK(count() == 10);  // the batch of 10 went in one transaction
    CHECK(w.buffered() == 2);
    w.set_status(run, RunStatus::completed);
    CHECK(count() == 12);
    w.log_metric(run, "t", "test", "accuracy", 12, std::numeric_limits<double>::quiet_NaN());
    w.log_metric(MetricPoint{run, "t", "test", "f1", 12, 1.5, 0.25, 1000.0});
    CHECK(count() == 12);
  }
  CHECK(count() == 14);
  const auto db = Database::open_read_only(path);
  CHECK(scalar_text(db, "SELECT coalesce(value, 'NULL') FROM metrics WHERE name = 'accuracy'") == "NULL");  // NaN
  CHECK(scalar_text(db, "SELECT value || '|' || epoch || '|' || wall_time FROM metrics WHERE name = 'f1'") ==
        "0.25|1.5|1000.0");
  Writer w(path);
  CHECK_THROWS_WITH(w.log_metric(run, "t", "", "loss", 1, 1.0), Contains("split and name must be non-empty"));
  w.log_metric(run + 7, "t", "dev", "loss", 1, 1.0);  // no such run: the flush names the batch
  CHECK_THROWS_WITH(w.flush(), Contains("metric rows") && Contains("FOREIGN KEY"));
  CHECK(w.buffered() == 0);
}

TEST_CASE("re-runs: skip completed with the same config hash, --rerun-failed, --force", "[storage]") {
  const auto dir = test::scratch_dir("storage_rerun");
  Writer w(dir / "r.db");
  const auto exp = w.begin_experiment("e");
  CHECK(w.begin_experiment("e") == exp);
  auto spec = test::make_run("none", 1);
  CHECK(w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::skip_done).run);
  CHECK(w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::skip_done).reason == "new trial");

  const auto first = w.create_run(exp, spec);
  w.set_status(first, RunStatus::running);
  // Alive (fresh heartbeat): left alone even with --rerun-failed.
  auto d = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::rerun_failed);
  CHECK_FALSE(d.run);
  CHECK_THAT(d.reason, Contains("is running"));
  // No sign of life for longer than the limit: treated as interrupted.
  d = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::skip_done, std::chrono::seconds(-1));
  CHECK_FALSE(d.run);
  CHECK_THAT(d.reason, Contains("stopped without finishing"));
  d = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::rerun_failed, std::chrono::seconds(-1));
  CHECK(d.run);

  w.set_status(first, RunStatus::failed, "boom");
  CHECK_FALSE(w.find_completed_run("e", spec.trial, spec.config_hash));
  d = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::skip_done);
  CHECK_FALSE(d.run);
  CHECK(d.previous_run == first);
  CHECK(d.previous_status == RunStatus::failed);
  CHECK_THAT(d.reason, Contains("--rerun-failed"));
  CHECK(w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::rerun_failed).run);
  CHECK(w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::force).run);

  auto claim = w.claim_trial(exp, spec, RerunPolicy::rerun_failed);
  REQUIRE(claim.run_id);
  w.set_status(*claim.run_id, RunStatus::running);
  w.set_status(*claim.run_id, RunStatus::completed);
  CHECK(w.find_completed_run("e", spec.trial, spec.config_hash) == claim.run_id);
  for (auto policy : {RerunPolicy::skip_done, RerunPolicy::rerun_failed}) {
    claim = w.claim_trial(exp, spec, policy);
    CHECK_FALSE(claim.run_id);
    CHECK_THAT(claim.decision.reason, Contains("already completed"));
  }
  CHECK(w.claim_trial(exp, spec, RerunPolicy::force).run_id);
  // A changed config is a new trial, whatever ran before under the same name.
  auto changed = spec;
  changed.config_hash = "another-hash";
  CHECK(w.decide_trial("e", changed.trial, changed.config_hash, RerunPolicy::skip_done).run);
  CHECK_FALSE(w.find_completed_run("other-experiment", spec.trial, spec.config_hash));
  CHECK(test::scalar_int(w.database(), "SELECT count(*) FROM runs") == 3);
}

TEST_CASE("stale pending/running runs are marked interrupted", "[storage]") {
  const auto dir = test::scratch_dir("storage_stale");
  Writer w(dir / "r.db");
  const auto exp = w.begin_experiment("e");
  const auto a = w.create_run(exp, test::make_run("none", 1));
  w.set_status(a, RunStatus::running);
  const auto b = w.create_run(exp, test::make_run("all", 1));
  w.set_status(b, RunStatus::running);
  w.set_status(b, RunStatus::completed);
  CHECK(mark_stale_runs_interrupted(w.database(), "e", std::chrono::seconds(3600)) == 0);
  CHECK(mark_stale_runs_interrupted(w.database(), "no-such", std::chrono::seconds(-1)) == 0);
  CHECK(mark_stale_runs_interrupted(w.database(), "e", std::chrono::seconds(-1)) == 1);
  CHECK(test::scalar_text(w.database(), "SELECT status FROM runs WHERE id = " + std::to_string(a)) == "interrupted");
  CHECK_THAT(test::scalar_text(w.database(), "SELECT error FROM runs WHERE id = " + std::to_string(a)),
             Contains("no heartbeat since"));
  CHECK(test::scalar_text(w.database(), "SELECT status FROM runs WHERE id = " + std::to_string(b)) == "completed");
}

TEST_CASE("params flatten to one typed row per dotted key", "[storage]") {
  const auto params = flatten_params(nlohmann::json::parse(
      R"({"a": {"b": 1, "c": {"d": "x"}, "e": []}, "f": 2.5, "g": false, "h": null, "i": {}, "big": 18446744073709551615})"));
  std::map<std::string, Param> by_key;
  for (const auto& p : params) by_key[p.key] = p;
  REQUIRE(by_key.size() == 8);
  CHECK(by_key["a.b"].type == ParamType::integer);
  CHECK(by_key["a.b"].integer == 1);
  CHECK(by_key["a.b"].real == 1.0);
  CHECK(by_key["a.c.d"].text == "x");
  CHECK(by_key["a.e"].type == ParamType::array);
  CHECK(by_key["a.e"].text == "[]");
  CHECK(by_key["f"].text == "2.5");
  CHECK(by_key["g"].integer == 0);
  CHECK(by_key["g"].text == "false");
  CHECK(by_key["h"].type == ParamType::null);
  CHECK(by_key["i"].text == "{}");
  CHECK(by_key["big"].type == ParamType::real);
  CHECK_THROWS_WITH(flatten_params(nlohmann::json::array()), Contains("expected a JSON object"));
}

TEST_CASE("metric direction: the C++ rule and the best_runs view agree", "[storage]") {
  const auto dir = test::scratch_dir("storage_direction");
  const std::vector<std::string> names = {"loss", "Val_Loss", "error_rate", "perplexity", "mse", "rmse", "wer",
                                          "accuracy", "macro_f1", "span_f1", "bleu", "lossless_ratio_f1"};
  {
    Writer w(dir / "r.db");
    const auto run = w.create_run(w.begin_experiment("e"), test::make_run("none", 1));
    w.set_status(run, RunStatus::running);
    for (const auto& n : names) w.log_metric(run, "t", "dev", n, 1, 0.5);
    w.set_status(run, RunStatus::completed);
  }
  const auto db = Database::open_read_only(dir / "r.db");
  for (const auto& n : names) {
    INFO(n);
    CHECK(scalar_text(db, "SELECT direction FROM best_runs WHERE name = '" + n + "'") ==
          std::string(to_string(default_direction(n))));
  }
  CHECK(default_direction("loss") == Direction::lower);
  CHECK(default_direction("accuracy") == Direction::higher);
}

TEST_CASE("ISO-8601 times are UTC with milliseconds", "[storage]") {
  using namespace std::chrono;
  CHECK(iso_utc(system_clock::time_point(milliseconds(0))) == "1970-01-01T00:00:00.000Z");
  CHECK(iso_utc(system_clock::time_point(milliseconds(1795707295123))) == "2026-11-26T15:34:55.123Z");
  CHECK(unix_seconds(system_clock::time_point(milliseconds(1500))) == 1.5);
}

TEST_CASE("a run whose process is alive on this host is never stale, a dead one is", "[storage]") {
  const auto dir = test::scratch_dir("storage_alive");
  Writer w(dir / "r.db");
  const auto exp = w.begin_experiment("e");
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  auto live_spec = test::make_run("none", 1);
  live_spec.environment.host = host;
  const auto live = w.create_run(exp, live_spec);
  w.set_status(live, RunStatus::running);  // pid = this process
  auto dead_spec = test::make_run("all", 1);
  dead_spec.environment.host = host;
  const auto dead = w.create_run(exp, dead_spec);
  w.set_status(dead, RunStatus::running);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);  // reaped: its pid names no process now
  {
    auto db = Database::open(dir / "r.db");
    db.prepare("UPDATE runs SET pid = ?1 WHERE id = ?2", "fake a dead writer").bind_all(child, dead).run();
  }
  const auto never = std::chrono::seconds(-1);  // every heartbeat counts as old
  auto d = w.decide_trial("e", live_spec.trial, live_spec.config_hash, RerunPolicy::rerun_failed, never);
  CHECK_FALSE(d.run);
  CHECK_THAT(d.reason, Contains("is running"));
  d = w.decide_trial("e", dead_spec.trial, dead_spec.config_hash, RerunPolicy::rerun_failed, never);
  CHECK(d.run);
  CHECK_THAT(d.reason, Contains("stopped without finishing"));
  CHECK(mark_stale_runs_interrupted(w.database(), "e", never) == 1);
  CHECK(scalar_text(w.database(), "SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY id)") ==
        "running,interrupted");
  CHECK_THAT(scalar_text(w.database(), "SELECT error FROM runs WHERE id = " + std::to_string(dead)),
             Contains("process " + std::to_string(child) + " on " + host + " is gone"));
}

TEST_CASE("slow metrics are flushed after flush_interval", "[storage]") {
  const auto dir = test::scratch_dir("storage_interval");
  Writer w(dir / "r.db", WriterOptions{1000, 60'000, std::chrono::milliseconds(100)});
  const auto run = w.create_run(w.begin_experiment("e"), test::make_run("none", 1));
  w.log_metric(run, "t", "dev", "accuracy", 1, 0.5);
  CHECK(w.buffered() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  w.log_metric(run, "t", "dev", "accuracy", 2, 0.6);
  CHECK(w.buffered() == 0);
  CHECK(scalar_int(Database::open_read_only(dir / "r.db"), "SELECT count(*) FROM metrics") == 2);
  CHECK(scalar_text(w.database(), "SELECT heartbeat_at IS NOT NULL FROM runs") == "1");
}

TEST_CASE("mtlab run --resume reopens an interrupted run that has a checkpoint, and rewinds its records", "[storage][resume]") {
  const auto dir = test::scratch_dir("storage_resume");
  Writer w(dir / "r.db");
  const auto exp = w.begin_experiment("e");
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  auto spec = test::make_run("none", 1);
  spec.environment.host = host;
  const auto run = w.create_run(exp, spec);
  w.set_status(run, RunStatus::running);
  for (int step = 1; step <= 6; ++step) w.log_metric(run, "", "train", "loss", step, 1.0 / step, 0.1 * step);
  w.log_metric(run, "intent", "dev", "accuracy", 6, 0.5, std::nullopt);  // a final evaluation at the last step
  w.record_artifact(run, {"model", "runs/model/model.safetensors", 10, "ab"});
  w.set_status(run, RunStatus::interrupted, "interrupted at step 6");

  // A failed run is never resumed; an interrupted one is, in its own row, when
  // the runner says it has a checkpoint, and as a new run when it has none.
  auto d = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::resume);
  CHECK(d.run);
  CHECK_THAT(d.reason, Contains("resuming (--resume)"));
  auto without = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::skip_done);
  CHECK_FALSE(without.run);
  CHECK_THAT(without.reason, Contains("mtlab run --resume continues it"));
  std::vector<std::int64_t> asked;
  auto claim = w.claim_trial(exp, spec, RerunPolicy::resume, std::chrono::seconds(300), [&](std::int64_t id) {
    asked.push_back(id);
    return true;
  });
  CHECK(asked == std::vector<std::int64_t>{run});
  REQUIRE(claim.run_id == run);
  CHECK(claim.resumed);
  CHECK(scalar_text(w.database(), "SELECT status || ' ' || (ended_at IS NULL) || ' ' || pid FROM runs") ==
        "running 1 " + std::to_string(getpid()));
  CHECK_THAT(scalar_text(w.database(), "SELECT error FROM runs"),
             Contains("interrupted at step 6") && Contains("resumed at "));

  w.rewind_metrics(run, 4);
  CHECK(scalar_int(w.database(), "SELECT count(*) FROM metrics") == 4);
  CHECK(scalar_int(w.database(), "SELECT max(step) FROM metrics") == 4);
  CHECK(scalar_int(w.database(), "SELECT count(*) FROM artifacts WHERE kind = 'model'") == 0);
  w.set_status(run, RunStatus::failed, "boom after resuming");  // the history stays above the new error
  CHECK_THAT(scalar_text(w.database(), "SELECT error FROM runs"),
             Contains("interrupted at step 6\nresumed at ") && Contains("\nboom after resuming"));

  auto failed_spec = test::make_run("all", 2);
  const auto failed = w.create_run(exp, failed_spec);
  w.set_status(failed, RunStatus::running);
  w.set_status(failed, RunStatus::failed, "boom");
  auto no = w.claim_trial(exp, failed_spec, RerunPolicy::resume, std::chrono::seconds(300), [](std::int64_t) { return true; });
  CHECK_FALSE(no.run_id);
  CHECK_THAT(no.decision.reason, Contains("--rerun-failed"));

  auto fresh_spec = test::make_run("layers:1", 3);
  const auto interrupted = w.create_run(exp, fresh_spec);
  w.set_status(interrupted, RunStatus::running);
  w.set_status(interrupted, RunStatus::interrupted);
  auto anew = w.claim_trial(exp, fresh_spec, RerunPolicy::resume, std::chrono::seconds(300), [](std::int64_t) { return false; });
  REQUIRE(anew.run_id);
  CHECK(*anew.run_id != interrupted);
  CHECK_FALSE(anew.resumed);
}

TEST_CASE("a SIGKILLed runner on this host is dead at once, whatever its heartbeat says", "[storage][resume]") {
  const auto dir = test::scratch_dir("storage_killed");
  Writer w(dir / "r.db");
  const auto exp = w.begin_experiment("e");
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  auto spec = test::make_run("none", 1);
  spec.environment.host = host;
  const auto run = w.create_run(exp, spec);
  w.set_status(run, RunStatus::running);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) _exit(0);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  {
    auto db = Database::open(dir / "r.db");
    db.prepare("UPDATE runs SET pid = ?1 WHERE id = ?2", "fake a killed writer").bind_all(child, run).run();
  }
  w.heartbeat(run);  // fresh: killed a moment ago
  const auto d = w.decide_trial("e", spec.trial, spec.config_hash, RerunPolicy::resume);
  CHECK(d.run);
  CHECK_THAT(d.reason, Contains("stopped without finishing"));
  CHECK(mark_stale_runs_interrupted(w.database(), "e") == 1);
  CHECK(scalar_text(w.database(), "SELECT status FROM runs") == "interrupted");
}
