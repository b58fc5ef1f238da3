#pragma once
// A real sweep for the report tests: `mtlab run` trains a tiny source model,
// then a freeze sweep (2 scenarios × 2 seeds) that starts from it, on
// generated data, into one database, in the calling test's own scratch folder
// (CTest runs test cases in parallel processes).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_paths.h"

namespace mtlab::test {

inline const char* kReportSource = R"toml(
[experiment]
name = "source"
seed = 3
database = "results.db"
output = "runs"

[backbone]
plugin = "bert"
max_length = 16

[backbone.init]
hidden_size = 16
num_layers = 1
num_heads = 2
intermediate_size = 32
max_position_embeddings = 32

[tasks.intent]
head = "sequence_classification"

[data]
format = "synthetic"
seed = 5
train_size = 64
dev_size = 32
test_size = 32

[training]
epochs = 1
batch_size = 16
)toml";

inline const char* kReportSweep = R"toml(
[experiment]
name = "sweep"
seed = 3
database = "results.db"
output = "runs"

[backbone]
plugin = "bert"
from_run = "source/default"
max_length = 16

[tasks.intent]
head = "sequence_classification"
metrics = ["accuracy", "macro_f1"]

[data]
format = "synthetic"
seed = 6
train_size = 64
dev_size = 32
test_size = 32

[training]
epochs = 3
batch_size = 16

[sweep]
grid = { "training.freeze" = ["none", "embeddings"] }
seeds = [1, 2]
)toml";

struct ReportSweep {
  std::filesystem::path folder;
  std::filesystem::path database;
  std::string run_output;  // what `mtlab run` of the sweep printed
};

inline CommandResult mtlab(const std::filesystem::path& folder, const std::string& args) {
  return run_command("cd " + shell_quote(folder.string()) + " && " + shell_quote(mtlab_executable().string()) + " " + args);
}

inline ReportSweep report_sweep(const std::string& scratch_name) {
  ReportSweep s;
  s.folder = scratch_dir(scratch_name);
  s.database = s.folder / "results.db";
  std::ofstream(s.folder / "source.toml") << kReportSource;
  std::ofstream(s.folder / "sweep.toml") << kReportSweep;
  const auto source = mtlab(s.folder, "run source.toml --no-progress");
  if (source.exit_code != 0) throw std::runtime_error("the source run failed:\n" + source.output);
  const auto sweep_run = mtlab(s.folder, "run sweep.toml --no-progress --report");
  if (sweep_run.exit_code != 0) throw std::runtime_error("the sweep failed:\n" + sweep_run.output);
  s.run_output = sweep_run.output;
  return s;
}

// The page drew to its end, logged no error, and nothing from the data ran.
inline void check_clean_render(const nlohmann::json& summary) {
  INFO(summary.dump(1));
  CHECK(summary["ok"] == true);
  CHECK(summary["errors"].empty());
  CHECK(summary["pwned"] == false);
}

}  // namespace mtlab::test
