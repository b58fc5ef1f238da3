// bench_train: the seed's multi-task model (BERT encoder, a sentence head on the
// pooled output, a token head) trained with AdamW, batch 16, on generated joint
// intent/slot sentences padded per length-bucketed batch; sentences per second
// and effective GFLOP/s (forward + backward ≈ 3 × forward, real tokens only) as
// a share of the best plain GEMM rate measured in the same run; for the whole
// run, and for its steady state (steps 2..N, without the first step's one-time
// costs: oneDNN primitives made, optimizer moments allocated).
// Options: kUsage below (bench_train --help).
// --precision bf16 trains the same model from the same start in fp32 and in bf16
// (training.precision = "bf16": CPU autocast), alternating R rounds of each in this
// process, and prints the speed ratio of the best rounds. --adamw both does the same
// for the AdamW step: LibTorch's (optimizer.fused = false) against mtlab's fused one
// (the default; mtlab/model/fused_adam.h).
// --concat K joins K generated sentences into one example (about 11·K tokens, cut
// at 64), for the "sequences up to 64 tokens"; --record sqlite records
// every metric into a temporary results database through storage::Writer, as
// mtlab run does (log_every 50), to measure what recording costs.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "../common/bench_util.h"
#include "mtlab/data/dataset.h"
#include "mtlab/data/label_set.h"
#include "mtlab/data/synthetic_data.h"
#include "mtlab/bert/bert_model.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/heap_retention.h"
#include "mtlab/model/precision.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/train/multitask_model.h"
#include "mtlab/train/trainer.h"
#include "mtlab/storage/writer.h"

namespace {

using namespace mtlab;
using namespace mtlab::bench;

constexpr const char* kUsage =
    "usage: bench_train [--shape mini|base] [--steps N] [--batch B] [--threads T]\n"
    "                   [--concat K] [--matmul onednn|blas] [--record none|sqlite]\n"
    "                   [--precision fp32|bf16] [--adamw fused|libtorch|both] [--rounds R]\n"
    "defaults: --shape mini --steps 30 --batch 16 --threads 2 --concat 1 --record none --precision fp32\n"
    "          --adamw fused --rounds 1; --matmul from MTLAB_MATMUL, else onednn\n";

class NullRecorder : public Recorder {
 public:
  void metric(std::string_view, std::string_view, std::string_view, std::int64_t, double,
              std::optional<double>) override {}
  void fact(std::string_view, std::string_view) override {}
  void artifact(std::string_view, const std::filesystem::path&) override {}
};

// The runner's recorder, on a results database (runner/storage_recorder.h is not a library).
class SqliteRecorder : public Recorder {
 public:
  explicit SqliteRecorder(const std::filesystem::path& db) : writer_(db) {
    storage::NewRun run;
    run.trial = "bench";
    run.config_hash = "bench";
    run_ = writer_.create_run(writer_.begin_experiment("bench_train"), run);
    writer_.set_status(run_, storage::RunStatus::running);
  }
  void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step, double value,
              std::optional<double> epoch) override {
    writer_.log_metric(run_, task, split, name, step, value, epoch);
  }
  void fact(std::string_view key, std::string_view value) override { writer_.record_fact(run_, key, value); }
  void artifact(std::string_view, const std::filesystem::path&) override {}
  void flush() override { writer_.flush(); }

 private:
  storage::Writer writer_;
  std::int64_t run_ = 0;
};

// Forwards to a recorder and notes when each step's loss arrives: the time of
// steps 2..N, without the first step's one-time costs (oneDNN primitives made
// for its shapes, the optimizer's moments allocated).
class StepClock : public Recorder {
 public:
  explicit StepClock(Recorder& inner) : inner_(inner) {}
  void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step, double value,
              std::optional<double> epoch) override {
    if (task.empty() && split == "train" && name == "loss") stamps_.push_back(Clock::now());
    inner_.metric(task, split, name, step, value, epoch);
  }
  void fact(std::string_view key, std::string_view value) override { inner_.fact(key, value); }
  void artifact(std::string_view kind, const std::filesystem::path& file) override { inner_.artifact(kind, file); }
  void flush() override { inner_.flush(); }
  // Seconds from the end of step 1 to the end of step N, scaled to N steps (the
  // mean step; batch lengths vary by bucket, so one step's share is approximate).
  double steady_seconds() const {
    if (stamps_.size() < 2) return 0;
    const double n = static_cast<double>(stamps_.size());
    return std::chrono::duration<double>(stamps_.back() - stamps_.front()).count() * n / (n - 1);
  }

 private:
  Recorder& inner_;
  std::vector<Clock::time_point> stamps_;
};

// Joins every `k` consecutive examples into one (words, tags; the first's label).
std::vector<Example> concatenated(const std::vector<Example>& in, int k) {
  if (k <= 1) return in;
  std::vector<Example> out;
  for (std::size_t i = 0; i + static_cast<std::size_t>(k) <= in.size(); i += static_cast<std::size_t>(k)) {
    Example e = in[i];
    for (int j = 1; j < k; ++j) {
      const auto& next = in[i + static_cast<std::size_t>(j)];
      e.words.insert(e.words.end(), next.words.begin(), next.words.end());
      e.tags.insert(e.tags.end(), next.tags.begin(), next.tags.end());
      e.text += " " + next.text;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

static int bench_main(int argc, char** argv) {
  mtlab::keep_freed_memory();  // before the first large allocation (heap_retention.h)
  std::string shape = "mini", matmul = matmul_path_name(matmul_path()), record = "none";
  std::string precision = "fp32", adamw_step = "fused";
  int steps = 30, batch = 16, threads = 2, concat = 1, rounds = 1;
  const bool go = read_options(argc, argv, kUsage, [&](const std::string& name, const char* value) {
    if (name == "--shape") shape = value;
    else if (name == "--steps") steps = std::stoi(value);
    else if (name == "--batch") batch = std::stoi(value);
    else if (name == "--threads") threads = std::stoi(value);
    else if (name == "--concat") concat = std::stoi(value);
    else if (name == "--matmul") matmul = value;
    else if (name == "--record") record = value;
    else if (name == "--precision") precision = value;
    else if (name == "--rounds") rounds = std::stoi(value);
    else if (name == "--adamw") adamw_step = value;
    else return false;
    return true;
  });
  if (!go) return 0;
  set_threads(threads);
  torch::manual_seed(1);
  BertConfig config;
  if (shape == "base") {
    config.hidden_size = 768, config.num_hidden_layers = 12, config.num_attention_heads = 12, config.intermediate_size = 3072;
  } else {
    config.hidden_size = 256, config.num_hidden_layers = 4, config.num_attention_heads = 4, config.intermediate_size = 1024;
  }
  const auto vocab_file = std::filesystem::path(MTLAB_SHARED_DIR) / "fixtures" / "vocab" / "bert-base-uncased-vocab.txt";
  const BertTokenizer tokenizer(Vocab::load(vocab_file), TokenizerOptions{});

  SyntheticOptions data_options;
  data_options.seed = 3;
  data_options.train_size = static_cast<std::size_t>(steps * batch * std::max(concat, 1));
  data_options.dev_size = 0;
  data_options.test_size = 0;
  Dataset data = generate_synthetic(data_options);
  data.train = concatenated(data.train, concat);

  plugin::Registry registry;
  registry.scan(plugin::Registry::default_search_path());
  TaskSpec ti{"intent", HeadLevel::sequence, 0.5, {}, 0, LabelSet::build(split_labels(data.train))};
  TaskSpec ts{"slots", HeadLevel::token, 0.5, {}, 0, LabelSet::build_tags(split_tags(data.train))};
  // The same model from the same start for every run.
  auto make_model = [&] {
    torch::manual_seed(1);
    auto fresh = std::make_shared<BertModel>(config, BertTokenizer(Vocab::load(vocab_file), TokenizerOptions{}));
    auto intent = registry.create<Head>(plugin::Kind::head, "sequence_classification", Config());
    auto slots = registry.create<Head>(plugin::Kind::head, "token_classification", Config());
    intent->build(config.hidden_size, static_cast<std::int64_t>(ti.labels.size()));
    slots->build(config.hidden_size, static_cast<std::int64_t>(ts.labels.size()));
    return std::make_shared<MultiTaskModel>(
        fresh, std::vector<std::pair<std::string, std::shared_ptr<Head>>>{{"intent", intent}, {"slots", slots}});
  };
  auto ce = registry.create<Loss>(plugin::Kind::loss, "cross_entropy", Config());
  auto adamw_with = [&](bool fused) {
    return registry.create<OptimizerFactory>(plugin::Kind::optimizer, "adamw",
                                             Config(nlohmann::json{{"fused", fused}}, "bench_train"));
  };
  auto adamw_fused = adamw_with(true), adamw_libtorch = adamw_with(false);

  std::vector<TaskSpec> tasks{ti, ts};
  std::vector<TaskDataset> datasets(1);
  datasets[0].train = data.train;
  datasets[0].train_tokens = encode_examples(tokenizer, data.train, {&tasks[0], &tasks[1]}, 64, "train");

  // Padding of the bucketed batches the trainer draws (same rule, same sizes).
  std::mt19937_64 rng(7);
  std::size_t real = 0, computed = 0;
  for (const auto& b : bucketed_batches(datasets[0].train_tokens, static_cast<std::size_t>(batch), rng)) {
    std::size_t longest = 0;
    for (auto i : b) {
      real += datasets[0].train_tokens.encodings[i].size();
      longest = std::max(longest, datasets[0].train_tokens.encodings[i].size());
    }
    computed += longest * b.size();
  }

  // The whole run's seconds; `steady` gets those of steps 2..N scaled to N steps.
  auto train_once = [&](TrainingPrecision p, OptimizerFactory* adamw, TrainResult* result, double* steady) {
    auto model = make_model();
    TrainInputs in;
    in.model = model.get();
    in.tasks = tasks;
    in.losses = {{"intent", ce.get()}, {"slots", ce.get()}};
    in.optimizer = adamw;
    in.groups.lr = 1e-4;
    in.freeze = FreezePolicy::parse("none", {"intent", "slots"}, config.num_hidden_layers);
    in.datasets = &datasets;
    TrainerOptions o;
    o.epochs = 1;
    o.batch_size = batch;
    o.save = SaveModel::none;
    o.progress = false;
    o.precision = p;
    o.log_every = record == "sqlite" ? 50 : 1000000;
    const auto db = std::filesystem::temp_directory_path() / fmt::format("bench_train_{}.db", getpid());
    std::unique_ptr<Recorder> recorder;
    if (record == "sqlite") {
      recorder = std::make_unique<SqliteRecorder>(db);
    } else {
      recorder = std::make_unique<NullRecorder>();
    }
    StepClock clock(*recorder);
    const auto start = Clock::now();
    *result = train(in, o, clock);
    recorder->flush();
    const double seconds = seconds_since(start);
    *steady = clock.steady_seconds();
    recorder.reset();
    std::filesystem::remove(db);
    std::filesystem::remove(db.string() + "-wal");
    std::filesystem::remove(db.string() + "-shm");
    return seconds;
  };

  const double blas = gemm_rate(1024, config.hidden_size, config.intermediate_size, MatmulPath::blas);
  const double onednn = gemm_rate(1024, config.hidden_size, config.intermediate_size, MatmulPath::onednn);
  set_matmul_path(matmul_path_from_name(matmul));
  const bool compare = precision == "bf16", compare_adamw = adamw_step == "both";
  if (compare && usable_precision(Precision::bf16, "bench_train --precision bf16") != Precision::bf16) return 1;
  if (adamw_step != "fused" && adamw_step != "libtorch" && !compare_adamw) {
    throw std::runtime_error("--adamw: expected fused, libtorch or both, got " + adamw_step);
  }
  auto* adamw = adamw_step == "libtorch" ? adamw_libtorch.get() : adamw_fused.get();
  TrainResult result;
  // Best of the rounds: whole runs, and steps 2..N (steady).
  double seconds = 1e300, seconds_bf16 = 1e300, seconds_libtorch = 1e300;
  double steady = 1e300, steady_bf16 = 1e300, steady_libtorch = 1e300;
  std::string rounds_text;
  auto round = [&](TrainingPrecision p, OptimizerFactory* step, double* best, double* best_steady) {
    double steady_once = 0;
    const double whole = train_once(p, step, &result, &steady_once);
    *best = std::min(*best, whole);
    *best_steady = std::min(*best_steady, steady_once);
    return whole;
  };
  for (int r = 0; r < rounds; ++r) {
    if (compare_adamw) {
      const double sl = round(TrainingPrecision::fp32, adamw_libtorch.get(), &seconds_libtorch, &steady_libtorch);
      rounds_text += fmt::format(" libtorch {:.2f},", sl);
    }
    const double s32 = round(TrainingPrecision::fp32, adamw, &seconds, &steady);
    rounds_text += fmt::format(" fp32 {:.2f}", s32);
    if (!compare) continue;
    const double s16 = round(TrainingPrecision::bf16, adamw, &seconds_bf16, &steady_bf16);
    rounds_text += fmt::format(", bf16 {:.2f};", s16);
  }

  double forward = 0;  // FLOPs on real tokens, over the epoch
  for (const auto& e : datasets[0].train_tokens.encodings) {
    const double t = static_cast<double>(e.size());
    forward += t * bert_forward_flops_per_token(config, t);
  }
  const double gflops = 3.0 * forward / seconds / 1e9;
  const double best = std::max(blas, onednn);
  const auto env = describe_environment();
  std::printf("bench_train: shape %s (H=%lld, L=%lld, I=%lld), AdamW (%s step), batch %d, %lld steps, threads %d, matmul %s, "
              "recording %s\n", shape.c_str(), static_cast<long long>(config.hidden_size),
              static_cast<long long>(config.num_hidden_layers), static_cast<long long>(config.intermediate_size),
              adamw_step == "libtorch" ? "LibTorch's" : "fused", batch,
              static_cast<long long>(result.steps), threads, matmul.c_str(), record.c_str());
  std::printf("cpu: %s\n", env.cpu.c_str());
  std::printf("sentences: %zu, real tokens %zu (mean %.1f), padding %.1f%% of computed tokens\n", data.train.size(),
              real, static_cast<double>(real) / data.train.size(), 100.0 * (computed - real) / computed);
  std::printf("train: %.2f s, %.1f sentences/s, %.1f effective GFLOP/s (3 x forward, real tokens)\n", seconds,
              data.train.size() / seconds, gflops);
  std::printf("plain GEMM [1024 x %lld] x [%lld x %lld]: blas %.1f GFLOP/s, onednn %.1f GFLOP/s\n",
              static_cast<long long>(config.hidden_size), static_cast<long long>(config.hidden_size),
              static_cast<long long>(config.intermediate_size), blas, onednn);
  std::printf("ratio train / best GEMM (%.1f GFLOP/s): %.1f%%; peak RSS %.0f MB\n", best, 100.0 * gflops / best,
              peak_rss_mb());
  // A steady state needs a step after the first: with one step there is none to print.
  const bool has_steady = result.steps >= 2;
  if (has_steady) {
    std::printf("steady state (steps 2..%lld, scaled to %lld steps): %.2f s, %.1f sentences/s, %.1f effective "
                "GFLOP/s; ratio %.1f%%\n", static_cast<long long>(result.steps), static_cast<long long>(result.steps),
                steady, data.train.size() / steady, 3.0 * forward / steady / 1e9, 300.0 * forward / steady / 1e9 / best);
  } else {
    std::printf("steady state: none (1 step; steps 2..N need --steps 2 or more)\n");
  }
  const auto steady_ratio = [&](double before, double after) {
    return has_steady ? fmt::format(", steady state {:.2f}x", before / after) : std::string();
  };
  if (compare_adamw) {
    std::printf("AdamW step: LibTorch's %.2f s, fused %.2f s; speed fused / LibTorch = %.2fx%s (best of %d "
                "alternating rounds each, s:%s)\n", seconds_libtorch, seconds, seconds_libtorch / seconds,
                steady_ratio(steady_libtorch, steady).c_str(), rounds, rounds_text.c_str());
  }
  if (compare) {
    std::printf("bf16 (training.precision = \"bf16\"): %.2f s, %.1f sentences/s; speed bf16 / fp32 = %.2fx%s (best "
                "of %d alternating rounds each, s:%s)\n", seconds_bf16, data.train.size() / seconds_bf16,
                seconds / seconds_bf16, steady_ratio(steady, steady_bf16).c_str(), rounds, rounds_text.c_str());
  }
  return 0;
}

int main(int argc, char** argv) {
  return guarded_main("bench_train", [&] { return bench_main(argc, argv); });
}
