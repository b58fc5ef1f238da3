#include "trial_execution.h"

#include <fmt/format.h>

#include "distributed_trials.h"
#include "mtlab/core/log.h"
#include "mtlab/train/distributed.h"
#include "mtlab/train/interrupt.h"
#include "storage_recorder.h"
#include "trial_runner.h"

namespace mtlab::cli {
namespace fs = std::filesystem;

fs::path run_folder(const fs::path& output_root, const std::string& experiment, std::int64_t run_id) {
  return output_root / experiment / fmt::format("run-{}", run_id);
}

void execute_trial(const TrialJob& job, storage::ResultsStore& store, plugin::Registry& registry) {
  StorageRecorder recorder(store, job.run_id);
  TrialContext context;
  context.trial = job.trial;
  context.registry = &registry;
  context.spec_dir = job.spec_dir;
  context.output_dir = job.output_dir;
  context.resume = job.resume;
  context.progress = job.progress;
  context.frozen_cache = job.frozen_cache;
  context.judge = job.judge;
  // Data-parallel: the other ranks run this trial alongside (distributed_trials.h);
  // a failure here closes the group, so they fail at once instead of at the timeout.
  context.group = data_parallel_group();
  announce_trial(job);
  TrialOutcome outcome;
  try {
    outcome = run_trial(context, recorder);
  } catch (const Interrupted&) {
    throw;
  } catch (const Pruned&) {
    throw;
  } catch (const std::exception& e) {
    if (context.group) context.group->abort(e.what());
    throw;
  }
  for (const auto& [kind, name] : outcome.plugins_used) {
    const auto& info = registry.find(plugin::kind_from_name(kind), name);
    store.record_plugin(job.run_id, {kind, name, info.version, info.file.string(), info.sha256});
  }
  store.flush();
  std::string summary;
  for (const auto& [key, value] : outcome.result.test) {
    if (key.find("loss") == std::string::npos) summary += fmt::format(" {}={:.4f}", key, value);
  }
  log::info("    done in {:.1f}s, {} steps;{}", outcome.result.seconds, outcome.result.steps,
            summary.empty() ? " (no test split)" : " test" + summary);
}

std::vector<std::string> trial_child_command(const fs::path& trial_file, std::int64_t run_id, bool resume) {
  std::vector<std::string> argv{fs::read_symlink("/proc/self/exe").string()};
  if (log::level() >= log::Level::debug) argv.emplace_back("-v");
  if (log::level() <= log::Level::quiet) argv.emplace_back("-q");
  argv.insert(argv.end(), {"run-trial", fs::absolute(trial_file).string(), "--run-id", std::to_string(run_id)});
  if (resume) argv.emplace_back("--resume");
  return argv;
}

}  // namespace mtlab::cli
