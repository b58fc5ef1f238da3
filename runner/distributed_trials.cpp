#include "distributed_trials.h"

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/spec/trial_file.h"
#include "mtlab/train/distributed.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/interrupt.h"
#include "trial_execution.h"
#include "trial_runner.h"

namespace mtlab::cli {
namespace {

using nlohmann::json;

std::unique_ptr<ProcessGroup>& the_group() {
  static std::unique_ptr<ProcessGroup> group;
  return group;
}

// The store key of rank 0's n-th message.
std::string message_key(std::size_t n) { return fmt::format("mtlab/trial/{}", n); }
std::size_t next_message = 0;

// Ranks other than 0 record nothing: rank 0's records stand for the run.
class NullRecorder : public Recorder {
 public:
  void metric(std::string_view, std::string_view, std::string_view, std::int64_t, double,
              std::optional<double>) override {}
  void fact(std::string_view, std::string_view) override {}
  void artifact(std::string_view, const std::filesystem::path&) override {}
};

// A rank other than 0: runs each trial rank 0 announces, until the end of the
// sweep. A trial that fails here ends this rank (rank 0 sees the lost peer); an
// interrupted one ends the sweep on every rank, and rank 0 then says so.
int follow_rank_zero(ProcessGroup& group, plugin::Registry& registry) {
  FrozenPrefixCache cache;
  bool interrupted = false;
  for (std::size_t n = 0;; ++n) {
    const json message = json::parse(group.get(message_key(n)));
    if (message.value("end", false)) {
      group.barrier();  // rank 0 keeps the store up until every rank has read the end
      return interrupted ? 130 : 0;
    }
    spec::TrialFile file = spec::trial_file_from_json(message.at("trial"), "rank 0's trial");
    if (file.trial.config.contains("embed")) continue;  // an [embed] trial: rank 0 encodes alone
    TrialContext context;
    context.trial = &file.trial;
    context.registry = &registry;
    context.spec_dir = file.spec_dir;
    context.output_dir = message.at("output_dir").get<std::string>();
    context.resume = message.at("resume").get<bool>();
    context.progress = false;
    context.frozen_cache = &cache;
    context.group = &group;
    log::info("[rank {}] {} (run {})", group.rank(), file.trial.name, message.at("run_id").get<std::int64_t>());
    NullRecorder recorder;
    try {
      run_trial(context, recorder);
    } catch (const Interrupted&) {
      interrupted = true;
    } catch (const std::exception& e) {
      group.abort(e.what());
      log::warn("[rank {}] {}: failed: {}", group.rank(), file.trial.name, e.what());
      return 1;
    }
  }
}

}  // namespace

ProcessGroup* data_parallel_group() { return the_group().get(); }

std::optional<int> join_data_parallel(const spec::Experiment& experiment, plugin::Registry& registry) {
  const RankEnvironment env = read_rank_environment();
  if (!env.data_parallel()) return std::nullopt;
  const TrialOptions first = spec::resolve_options(experiment.trials.front());
  if (first.experiment.isolation == Isolation::process) {
    throw Error(fmt::format("{}: experiment.isolation = \"process\" cannot run data-parallel ({}): each rank runs "
                            "its trials in its own process already",
                            experiment.trials.front().file, describe(env)));
  }
  ProcessGroupOptions options;
  options.timeout = std::chrono::seconds(first.experiment.distributed_timeout);
  options.device = first.training.device == "cuda" ? "cuda" : "cpu";
  the_group() = std::make_unique<ProcessGroup>(env, options);
  if (env.rank == 0) {
    log::info("data-parallel: {}", describe(env));
    return std::nullopt;
  }
  log::debug("data-parallel: {}", describe(env));
  // Rank 0 speaks for the run; the others only warn (or debug with -v).
  if (log::level() == log::Level::info) log::set_level(log::Level::warning);
  install_interrupt_handlers();  // Ctrl-C: stop with rank 0 after the same step
  return follow_rank_zero(*the_group(), registry);
}

void announce_trial(const TrialJob& job) {
  ProcessGroup* group = data_parallel_group();
  if (!group || !group->root()) return;
  json message{{"trial", spec::trial_file_json({*job.trial, job.spec_dir})},
               {"run_id", job.run_id},
               {"resume", job.resume},
               {"output_dir", job.output_dir.string()}};
  group->set(message_key(next_message++), message.dump());
}

void announce_sweep_end() {
  ProcessGroup* group = data_parallel_group();
  if (!group || !group->root() || group->broken()) return;
  try {
    group->set(message_key(next_message++), json{{"end", true}}.dump());
    group->barrier();
  } catch (const std::exception& e) {
    log::warn("data-parallel: the other ranks did not all see the end of the sweep: {}", e.what());
  }
}

bool data_parallel_usable() { return !data_parallel_group() || !data_parallel_group()->broken(); }

}  // namespace mtlab::cli
