// Writes a synthetic sweep for the report benchmark: `runs` runs (trials ×
// seeds, one swept learning rate), each with a training-loss curve of `points`
// steps, 20 dev evaluations and final test metrics, recorded as the trainer does.
// Usage: bench_report_db DB [runs=1000] [points=10000] [seeds=1]
#include <fmt/core.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "mtlab/storage/writer.h"

using namespace mtlab;

namespace {

storage::NewRun make_run(int trial, int seed, double lr) {
  storage::NewRun run;
  run.trial = fmt::format("lr={:.3g},seed={}", lr, seed);
  run.seed = seed;
  run.config_hash = fmt::format("bench-{}-{}", trial, seed);
  run.config_json = fmt::format(R"({{"optimizer": {{"lr": {}}}, "seed": {}, "training": {{"epochs": 10}}}})", lr, seed);
  run.environment = {"bench", "Linux", "bench CPU", 1, "0.1.0", "bench", "2.1.0", "libopenblas.so.0"};
  return run;
}

void log_run(storage::Writer& w, std::int64_t run, int points, double lr, std::mt19937& rng) {
  std::normal_distribution<double> noise(0.0, 0.05);
  const double rate = 3.0 + 400.0 * lr;
  for (int step = 1; step <= points; ++step) {
    const double t = static_cast<double>(step) / points;
    w.log_metric(run, "", "train", "loss", step, 2.0 * std::exp(-rate * t) + 0.1 + noise(rng), t * 10);
  }
  for (int e = 1; e <= 20; ++e) {
    const double acc = 1.0 - 0.9 * std::exp(-rate * e / 20.0) + noise(rng) / 5;
    w.log_metric(run, "intent", "dev", "accuracy", e * points / 20, acc, e / 2.0);
  }
  w.log_metric(run, "intent", "test", "accuracy", points, 1.0 - 0.9 * std::exp(-rate) + noise(rng) / 5, 10.0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_report_db DB [runs=1000] [points=10000] [seeds=1]\n");
    return 2;
  }
  const std::filesystem::path db = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int points = argc > 3 ? std::atoi(argv[3]) : 10000;
  const int seeds = argc > 4 ? std::atoi(argv[4]) : 1;
  std::filesystem::remove(db);
  storage::Writer w(db);
  const auto exp = w.begin_experiment("bench", "synthetic sweep for the report benchmark");
  std::mt19937 rng(7);
  for (int i = 0; i < runs; ++i) {
    const int trial = i / seeds, seed = 1 + i % seeds;
    const double lr = 1e-4 * std::pow(10.0, 2.0 * trial / std::max(1, runs / seeds));
    const auto run = w.create_run(exp, make_run(trial, seed, lr));
    w.set_status(run, storage::RunStatus::running);
    log_run(w, run, points, lr, rng);
    w.set_status(run, storage::RunStatus::completed);
  }
  fmt::print("wrote {}: {} runs ({} seeds each), {} points per training curve\n", db.string(), runs, seeds, points);
}
