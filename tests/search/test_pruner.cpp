// The pruner of [sweep.prune] over real stores (SQLite, and PostgreSQL on a
// server the test starts): what it decides at each rung as trials arrive one by
// one, worked by hand from Li et al. 2020 (ASHA) and Optuna's MedianPruner, what
// it records, and which paused trial it promotes.
#include <catch2/catch.hpp>

#include "mtlab/storage/results_store.h"
#include "postgres_server.h"
#include "pruner.h"
#include "storage_fixture.h"
#include "test_paths.h"

using namespace mtlab;
using namespace mtlab::storage;

namespace {

std::vector<std::string> locations(const std::string& test) {
  return {(test::scratch_dir("pruner_" + test) / "results.db").string(), test::postgres_database("pruner_" + test)};
}

// A running run of experiment "e".
std::int64_t running_run(ResultsStore& store, int seed) {
  const auto run = store.create_run(store.begin_experiment("e"), test::make_run("none", seed));
  store.set_status(run, RunStatus::running);
  return run;
}

EvalProgress at_epoch(std::int64_t epochs, double value, double best) {
  EvalProgress p;
  p.epochs = epochs;
  p.steps = epochs * 10;
  p.epoch_end = true;
  p.total_epochs = 9;
  p.total_steps = 90;
  p.value = value;
  p.best = best;
  return p;
}

// Judges `run` at an epoch end; a paused run is marked pruned, as the sweep loop does.
Verdict judge(ResultsStore& store, const cli::Pruner& pruner, std::int64_t run, std::int64_t epochs, double value) {
  const Verdict v = pruner.judge_for(run)(at_epoch(epochs, value, value));
  if (v == Verdict::pause) store.set_status(run, RunStatus::pruned, "pruned");
  return v;
}

std::optional<std::int64_t> promoted(ResultsStore& store, const cli::Pruner& pruner) {
  const auto p = pruner.promote([](const RungEntry&) { return true; }, "host");
  if (!p) return std::nullopt;
  return p->run_id;
}

}  // namespace

TEST_CASE("ASHA pauses and continues and promotes as worked by hand as trials arrive", "[search][prune]") {
  for (const auto& location : locations("asha")) {
    INFO(location);
    const auto store = open_store(location, StoreMode::read_write);
    const cli::Pruner pruner(*store, "e", spec::PruneSpec{}, false);  // eta 3, rungs at 1, 3 (9: complete)
    std::vector<std::int64_t> r;
    for (int i = 0; i < 6; ++i) r.push_back(running_run(*store, i));
    // Rung 0 (epoch 1): values 0.5, 0.7, 0.6, 0.9, 0.4, 0.8 arrive in this order.
    // With n values the top floor(n/3) go on: none of the first two; the third
    // makes 0.7 (r[1], paused) the top one: promoted before any new trial.
    CHECK(judge(*store, pruner, r[0], 1, 0.5) == Verdict::pause);
    CHECK_FALSE(promoted(*store, pruner));
    CHECK(judge(*store, pruner, r[1], 1, 0.7) == Verdict::pause);
    CHECK_FALSE(promoted(*store, pruner));
    CHECK(judge(*store, pruner, r[2], 1, 0.6) == Verdict::pause);
    CHECK(promoted(*store, pruner) == r[1]);
    CHECK_FALSE(promoted(*store, pruner));  // once
    CHECK(judge(*store, pruner, r[3], 1, 0.9) == Verdict::go_on);  // top 1 of 4
    CHECK_FALSE(promoted(*store, pruner));
    CHECK(judge(*store, pruner, r[4], 1, 0.4) == Verdict::pause);
    CHECK(judge(*store, pruner, r[5], 1, 0.8) == Verdict::go_on);  // top 2 of 6: 0.9 and 0.8
    CHECK_FALSE(promoted(*store, pruner));  // r[1] left rung 0 already; 0.9 and 0.8 went on themselves

    // What a reader sees of r[2]'s stop: the rule, the cutoff, the peers.
    const auto rows = store->rung_entries("e");
    const auto row = [&](std::int64_t run, int rung) {
      return *std::find_if(rows.begin(), rows.end(), [&](const RungEntry& e) { return e.run_id == run && e.rung == rung; });
    };
    CHECK(row(r[2], 0).decision == "paused");
    CHECK(row(r[2], 0).peers == 3);
    CHECK(row(r[2], 0).cutoff == 0.7);
    CHECK(row(r[2], 0).rule == "top 1 of 3 (eta 3)");
    CHECK(row(r[2], 0).resource == 1);
    CHECK(row(r[2], 0).max_resource == 9);
    CHECK(row(r[1], 0).decision == "promoted");
    CHECK(row(r[5], 0).decision == "continued");
    CHECK(row(r[5], 0).cutoff == 0.8);
    CHECK_FALSE(row(r[0], 0).cutoff);

    // Rung 1 (epoch 3): the promoted r[1] arrives first, then r[3] and r[5]; the
    // judge of a promoted run starts after the rung it has on record. Between
    // rungs nothing is judged.
    CHECK(pruner.judge_for(r[1])(at_epoch(1, 0.7, 0.7)) == Verdict::go_on);
    CHECK(pruner.judge_for(r[1])(at_epoch(2, 0.8, 0.8)) == Verdict::go_on);
    CHECK(judge(*store, pruner, r[1], 3, 0.85) == Verdict::pause);
    CHECK(judge(*store, pruner, r[3], 3, 0.95) == Verdict::pause);
    CHECK(judge(*store, pruner, r[5], 3, 0.90) == Verdict::pause);
    CHECK(promoted(*store, pruner) == r[3]);  // the top 1 of rung 1's three
    // From rung 1 on, nothing is judged: 9 epochs complete the trial.
    CHECK(pruner.judge_for(r[3])(at_epoch(8, 0.96, 0.96)) == Verdict::go_on);
    CHECK(pruner.judge_for(r[3])(at_epoch(9, 0.97, 0.97)) == Verdict::go_on);
  }
}

TEST_CASE("ASHA promotes only what the process can run", "[search][prune]") {
  const auto store = open_store(locations("asha_order").front(), StoreMode::read_write);
  const cli::Pruner pruner(*store, "e", spec::PruneSpec{}, true);  // lower is better
  std::vector<std::int64_t> r;
  for (int i = 0; i < 3; ++i) r.push_back(running_run(*store, i));
  const std::vector<double> values{0.2, 0.1, 0.3};  // the top 1 of 3 is r[1], paused before it was
  for (int i = 0; i < 3; ++i) CHECK(judge(*store, pruner, r[i], 1, values[i]) == Verdict::pause);
  CHECK_FALSE(pruner.promote([](const RungEntry&) { return false; }, "h"));
  for (const auto& row : store->rung_entries("e")) CHECK(row.decision == "paused");  // nothing changed
  const auto p = pruner.promote([&](const RungEntry& e) { return e.run_id == r[1]; }, "h");
  REQUIRE(p);
  CHECK(p->run_id == r[1]);
  CHECK(p->rung == 0);
  CHECK(p->config_hash == "hash-none-1");
}

TEST_CASE("The median rule prunes a trial whose best is worse than the median of the others at the rung",
          "[search][prune]") {
  const auto store = open_store(locations("median").front(), StoreMode::read_write);
  spec::PruneSpec median;
  median.method = spec::PruneMethod::median;
  median.min_trials = 2;
  const cli::Pruner pruner(*store, "e", median, false);
  std::vector<std::int64_t> r;
  for (int i = 0; i < 4; ++i) r.push_back(running_run(*store, i));
  // Epoch 1 is rung 0. Too few others to prune for the first two.
  CHECK(judge(*store, pruner, r[0], 1, 0.5) == Verdict::go_on);
  CHECK(judge(*store, pruner, r[1], 1, 0.7) == Verdict::go_on);
  // Others 0.5 and 0.7: median 0.6. A best of 0.55 is worse; 0.65 is not.
  CHECK(pruner.judge_for(r[2])(at_epoch(1, 0.55, 0.55)) == Verdict::pause);
  CHECK(pruner.judge_for(r[3])(at_epoch(1, 0.45, 0.65)) == Verdict::go_on);  // its best so far counts, not its last
  const auto rows = store->rung_entries("e");
  CHECK(rows[0].rule == "0 other value(s) at the rung, 2 needed before pruning");
  CHECK(rows[2].decision == "pruned");
  CHECK(rows[2].cutoff == 0.6);
  CHECK(rows[2].rule == "best so far 0.55 against the median 0.6 of 2 others");
  CHECK(rows[3].value == 0.45);
  // A median-pruned trial is never promoted.
  store->set_status(r[2], RunStatus::pruned, "pruned");
  CHECK_FALSE(pruner.promote([](const RungEntry&) { return true; }, "h"));
}

TEST_CASE("With max_resource below a trial's length the trial completes there and steps count at any evaluation",
          "[search][prune]") {
  const auto store = open_store(locations("max_resource").front(), StoreMode::read_write);
  spec::PruneSpec s;
  s.max_resource = 3;
  const cli::Pruner pruner(*store, "e", s, false);
  const auto run = running_run(*store, 1);
  auto mid_epoch = at_epoch(3, 0.5, 0.5);
  mid_epoch.epoch_end = false;
  CHECK(pruner.judge_for(run)(mid_epoch) == Verdict::go_on);  // epochs are judged at epoch ends only
  CHECK(pruner.judge_for(run)(at_epoch(3, 0.5, 0.5)) == Verdict::finish);
  spec::PruneSpec steps;
  steps.resource = spec::PruneResource::steps;
  steps.min_resource = 20;
  const cli::Pruner by_steps(*store, "e", steps, false);
  const auto other = running_run(*store, 2);
  auto p = at_epoch(2, 0.4, 0.4);  // 20 steps
  p.epoch_end = false;
  CHECK(by_steps.judge_for(other)(p) == Verdict::pause);  // alone at rung 0 (20 steps): paused
  CHECK(store->rung_entries("e").back().unit == "steps");
}
