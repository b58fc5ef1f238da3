// bench_sweep: the seed's freeze-scenario sweep (experiments/seed/task3_freeze.toml:
// freeze = none, all, backbone, head:intent, head:slots × seeds) run twice in one
// process through the runner's own trial code — without and with the
// frozen-prefix cache — timing every epoch. Epoch time runs from one epoch's end
// to the next (training steps plus the dev evaluations inside the epoch).
//   bench_sweep [--data atis|snips] [--seeds N] [--epochs N] [--limit-train N] [--threads T]
//               [--freeze "backbone,none"] [--spec FILE]
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../common/bench_util.h"
#include "mtlab/core/log.h"
#include "mtlab/model/environment.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "trial_runner.h"

namespace {

using namespace mtlab;
using namespace mtlab::bench;

// Wall time at the last event of each epoch, from the start of the training loop.
class EpochClock : public Recorder {
 public:
  std::map<int, double> epoch_end;
  std::map<std::string, std::string> facts;
  void metric(std::string_view, std::string_view, std::string_view, std::int64_t, double,
              std::optional<double> epoch) override {
    if (!epoch) return;  // the final dev/test evaluation
    epoch_end[static_cast<int>(std::ceil(*epoch - 1e-9)) - 1] = seconds_since(start_);
  }
  void fact(std::string_view key, std::string_view value) override {
    if (key == "train.warmup_steps") start_ = Clock::now();  // recorded just before the first step
    facts[std::string(key)] = std::string(value);
  }
  void artifact(std::string_view, const std::filesystem::path&) override {}
  std::vector<double> epochs() const {
    std::vector<double> out;
    double last = 0;
    for (const auto& [e, t] : epoch_end) out.push_back(t - last), last = t;
    return out;
  }

 private:
  Clock::time_point start_ = Clock::now();
};

struct Timing {
  std::string freeze;
  std::int64_t seed = 0;
  std::vector<double> epochs;
  double total = 0;
  std::string test;
};

double mean(const std::vector<double>& v, std::size_t from) {
  double s = 0;
  for (std::size_t i = from; i < v.size(); ++i) s += v[i];
  return v.size() > from ? s / static_cast<double>(v.size() - from) : NAN;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = "atis", spec = std::string(MTLAB_SOURCE_DIR) + "/experiments/seed/task3_freeze.toml";
  std::string freeze, seeds = "3", epochs, limit_train;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) data = argv[i + 1];
    else if (!std::strcmp(argv[i], "--seeds")) seeds = argv[i + 1];
    else if (!std::strcmp(argv[i], "--epochs")) epochs = argv[i + 1];
    else if (!std::strcmp(argv[i], "--limit-train")) limit_train = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--freeze")) freeze = argv[i + 1];
    else if (!std::strcmp(argv[i], "--spec")) spec = argv[i + 1];
  }
  setenv("MTLAB_DATA", (std::filesystem::path(MTLAB_SHARED_DIR) / "data").c_str(), 0);
  log::set_level(log::Level::quiet);  // the data warnings repeat for every trial

  std::vector<std::string> overrides = {
      fmt::format("data.train=\"${{MTLAB_DATA}}/{}/train\"", data), fmt::format("data.dev=\"${{MTLAB_DATA}}/{}/dev\"", data),
      fmt::format("data.test=\"${{MTLAB_DATA}}/{}/test\"", data), "training.save=\"none\"",
      fmt::format("training.threads={}", threads)};
  std::string seed_list = "[";
  for (int s = 1; s <= std::stoi(seeds); ++s) seed_list += (s > 1 ? "," : "") + std::to_string(s);
  overrides.push_back("sweep.seeds=" + seed_list + "]");
  if (!epochs.empty()) overrides.push_back("training.epochs=" + epochs);
  if (!limit_train.empty()) overrides.push_back("data.limit_train=" + limit_train);
  if (!freeze.empty()) {
    std::string list = "[";
    std::size_t start = 0;
    while (start <= freeze.size()) {
      const auto comma = std::min(freeze.find(',', start), freeze.size());
      list += (list.size() > 1 ? ",\"" : "\"") + freeze.substr(start, comma - start) + "\"";
      start = comma + 1;
    }
    overrides.push_back("sweep.freeze=" + list + "]");
  }

  plugin::Registry registry;
  const auto output = std::filesystem::temp_directory_path() / "mtlab-bench-sweep";
  std::map<bool, std::vector<Timing>> timings;
  std::map<bool, double> sweep_seconds;
  FrozenPrefixCache::Stats stats;
  const auto env = describe_environment();
  fmt::print("bench_sweep: {} on {}, threads {}\ncpu: {}\n", spec, data, threads, env.cpu);
  for (const bool cached : {false, true}) {
    spec::LoadOptions load;
    load.overrides = overrides;
    load.overrides.push_back(fmt::format("training.frozen_cache={}", cached));
    load.plugins = spec::registry_catalog(&registry);
    const spec::Experiment experiment = spec::load_experiment(spec, load);
    FrozenPrefixCache cache;
    const auto sweep_start = Clock::now();
    for (const auto& trial : experiment.trials) {
      cli::TrialContext context;
      context.trial = &trial;
      context.registry = &registry;
      context.spec_dir = std::filesystem::absolute(spec).parent_path();
      context.output_dir = output / trial.name;
      context.progress = false;
      context.frozen_cache = &cache;
      EpochClock clock;
      const auto t = Clock::now();
      const auto outcome = cli::run_trial(context, clock);
      Timing timing{trial.view("training").get_string("freeze", "none"), trial.seed, clock.epochs(), seconds_since(t)};
      for (const auto& [key, value] : outcome.result.test) {
        if (key == "sentence_accuracy" || key == "intent.accuracy") timing.test += fmt::format(" {}={:.4f}", key, value);
      }
      std::string per_epoch;
      for (double e : timing.epochs) per_epoch += fmt::format(" {:.2f}", e);
      fmt::print("{} cache {:<12} seed {}: total {:6.2f} s; epochs (s):{}; test{}  [{}]\n", cached ? "with   " : "without",
                 timing.freeze, timing.seed, timing.total, per_epoch, timing.test,
                 clock.facts.count("frozen_cache") ? clock.facts.at("frozen_cache").substr(0, 40) : "-");
      std::fflush(stdout);
      timings[cached].push_back(timing);
    }
    sweep_seconds[cached] = seconds_since(sweep_start);
    if (cached) stats = cache.stats();
  }

  fmt::print("\n| freeze | epoch 1 without / with (s) | later epochs without / with (s) | later-epoch speed-up | "
             "trial without / with (s) |\n| --- | --- | --- | --- | --- |\n");
  std::vector<std::string> order;
  for (const auto& t : timings[false]) {
    if (std::find(order.begin(), order.end(), t.freeze) == order.end()) order.push_back(t.freeze);
  }
  for (const auto& f : order) {
    std::vector<double> first[2], later[2], total[2];
    for (const bool cached : {false, true}) {
      for (const auto& t : timings[cached]) {
        if (t.freeze != f) continue;
        total[cached].push_back(t.total);
        if (!t.epochs.empty()) first[cached].push_back(t.epochs[0]);
        if (t.epochs.size() > 1) later[cached].push_back(mean(t.epochs, 1));
      }
    }
    fmt::print("| {} | {:.2f} / {:.2f} | {:.2f} / {:.2f} | {:.1f}× | {:.2f} / {:.2f} |\n", f, mean(first[0], 0),
               mean(first[1], 0), mean(later[0], 0), mean(later[1], 0), mean(later[0], 0) / mean(later[1], 0),
               mean(total[0], 0), mean(total[1], 0));
  }
  fmt::print("\nsweep without the cache {:.1f} s, with {:.1f} s: ratio {:.2f}\n", sweep_seconds[false], sweep_seconds[true],
             sweep_seconds[false] / sweep_seconds[true]);
  fmt::print("cache: {} inputs computed, {} reused, {} not stored (limit), {} prefixes evicted\n", stats.computed,
             stats.reused, stats.uncached, stats.evicted);
  fmt::print("peak RSS: {:.0f} MB\n", peak_rss_mb());
  return 0;
}
