// Metric rows per second through storage::Writer, as the trainer logs them
// (several tasks, splits and names per step), for a few batch sizes; then the
// cost of the final_metrics view and of `compare` on the filled database.
//   bench_storage [folder] [rows]     (default: a temporary folder, 1,000,000 rows)
#include <fmt/core.h>

#include <chrono>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "mtlab/storage/compare.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "mtlab/storage/writer.h"

namespace fs = std::filesystem;
using namespace mtlab::storage;
using Clock = std::chrono::steady_clock;

namespace {

NewRun run_spec(int i) {
  NewRun r;
  r.trial = fmt::format("lr={},seed={}", i % 4, i);
  r.seed = i;
  r.config_hash = fmt::format("h{}", i);
  r.config_json = fmt::format(R"({{"optimizer": {{"lr": {}}}, "experiment": {{"seed": {}}}}})", i % 4, i);
  return r;
}

struct Rate {
  double wall;  // rows per wall-clock second
  double cpu;   // rows per second of this process's CPU time (meaningful on a busy machine)
};

// Logs `rows` metric rows into a fresh run (including the final flush).
Rate log_rows(Writer& w, std::int64_t experiment, int index, std::int64_t rows) {
  const auto run = w.create_run(experiment, run_spec(index));
  w.set_status(run, RunStatus::running);
  static const char* tasks[] = {"intent", "slots"};
  static const char* names[] = {"loss", "accuracy", "macro_f1", "lr"};
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  std::int64_t n = 0;
  for (std::int64_t step = 0; n < rows; ++step) {
    for (const char* task : tasks) {
      for (const char* name : names) {
        if (n++ >= rows) break;
        w.log_metric(run, task, "train", name, step, 1.0 / static_cast<double>(step + 1), step / 1000.0);
      }
    }
  }
  w.set_status(run, RunStatus::completed);  // flushes the rest
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return {static_cast<double>(rows) / seconds, static_cast<double>(rows) / cpu};
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / fmt::format("mtlab-bench-storage-{}", getpid());
  const std::int64_t rows = argc > 2 ? std::atoll(argv[2]) : 1'000'000;
  fs::create_directories(dir);
  const auto path = dir / "bench.db";
  fs::remove(path);
  fmt::print("results database: {}\n", path.string());
  fmt::print("{:>12}  {:>10}  {:>14}  {:>16}\n", "batch rows", "rows", "rows/s", "rows/CPU-s");
  int index = 0;
  {
    for (std::size_t batch : {std::size_t{1}, std::size_t{64}, std::size_t{2048}, std::size_t{16384}}) {
      Writer w(path, WriterOptions{batch});
      const auto exp = w.begin_experiment("bench");
      // One commit per row is slow by design; measure it on fewer rows.
      const std::int64_t n = batch == 1 ? std::min<std::int64_t>(rows, 20'000) : rows;
      const Rate rate = log_rows(w, exp, index++, n);
      fmt::print("{:>12}  {:>10}  {:>14.0f}  {:>16.0f}{}\n", batch, n, rate.wall, rate.cpu,
                 batch == WriterOptions{}.metric_batch ? "  (default)" : "");
    }
  }
  const auto db = Database::open_read_only(path);
  auto start = Clock::now();
  const auto t = run_read_only_query(db, "SELECT count(*) FROM final_metrics");
  fmt::print("final_metrics over {} metric rows: {:.3f} s\n",
             to_text(run_read_only_query(db, "SELECT count(*) FROM metrics").rows[0][0]),
             std::chrono::duration<double>(Clock::now() - start).count());
  start = Clock::now();
  const auto c = compare_trials(db, "bench", "intent.train.accuracy");
  fmt::print("compare ({} trials): {:.3f} s\n", c.rows.size(), std::chrono::duration<double>(Clock::now() - start).count());
  if (argc <= 1) fs::remove_all(dir);
  return 0;
}
