#pragma once
// A small results database with known contents: experiment "freeze" with two
// freeze scenarios × three seeds (completed), one failed run, and an experiment
// "other". Final dev accuracies are chosen so that means and stds are exact.
#include <filesystem>
#include <string>

#include <fmt/core.h>

#include "mtlab/storage/writer.h"

namespace mtlab::test {

inline storage::NewRun make_run(const std::string& freeze, std::int64_t seed, double lr = 3e-5) {
  storage::NewRun run;
  run.trial = fmt::format("freeze={},seed={}", freeze, seed);
  run.seed = seed;
  run.config_hash = fmt::format("hash-{}-{}", freeze, seed);
  run.config_toml = fmt::format("[training]\nfreeze = \"{}\"\n[optimizer]\nlr = {}\n", freeze, lr);
  run.config_json = fmt::format(
      R"({{"experiment": {{"name": "freeze", "seed": {}}}, "training": {{"freeze": "{}", "epochs": 2, "shuffle": true}},)"
      R"( "optimizer": {{"lr": {}}}, "tasks": {{"intent": {{"metrics": ["accuracy", "macro_f1"]}}}}}})",
      seed, freeze, lr);
  run.environment = {"host-a", "Linux 6.1", "Test CPU", 2, "0.1.0", "abc123", "2.1.0", "libopenblas.so.0"};
  return run;
}

// accuracy by (freeze, seed): none → 0.80, 0.82, 0.84 (mean 0.82, std 0.02);
// all → 0.60, 0.70, 0.80 (mean 0.70, std 0.10). Loss: 1 - accuracy.
inline double fixture_accuracy(const std::string& freeze, int seed_index) {
  return freeze == "none" ? 0.80 + 0.02 * seed_index : 0.60 + 0.10 * seed_index;
}

inline void fill_fixture(storage::Writer& w) {
  const auto exp = w.begin_experiment("freeze", "freeze scenarios");
  for (const std::string freeze : {"none", "all"}) {
    for (int s = 0; s < 3; ++s) {
      const auto run = w.create_run(exp, make_run(freeze, 13 + s));
      w.set_status(run, storage::RunStatus::running);
      for (int step = 1; step <= 3; ++step) {
        // Earlier steps are worse, so only the last value is the final one.
        const double acc = fixture_accuracy(freeze, s) - 0.1 * (3 - step);
        w.log_metric(run, "intent", "dev", "accuracy", step * 10, acc, step);
        w.log_metric(run, "intent", "dev", "loss", step * 10, 1.0 - acc, step);
        w.log_metric(run, "", "train", "loss", step * 10, 2.0 / step, step);
      }
      w.set_status(run, storage::RunStatus::completed);
    }
  }
  const auto failed = w.create_run(exp, make_run("embeddings", 13));
  w.set_status(failed, storage::RunStatus::running);
  w.log_metric(failed, "intent", "dev", "accuracy", 10, 0.99);
  w.set_status(failed, storage::RunStatus::failed, "std::runtime_error: out of memory\nat step 10");
  const auto other = w.begin_experiment("other");
  const auto o = w.create_run(other, make_run("none", 1));
  w.set_status(o, storage::RunStatus::running);
  w.log_metric(o, "intent", "dev", "accuracy", 1, 0.5);
  w.set_status(o, storage::RunStatus::completed);
}

inline void fill_fixture(const std::filesystem::path& db) {
  storage::Writer w(db);
  fill_fixture(w);
}

}  // namespace mtlab::test
