// The options home (mtlab/options): the freeze grammar, ${NAME} expansion, the data
// format table, and the typed option structs the schema takes its defaults from.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "mtlab/core/error.h"
#include "mtlab/options/data_formats.h"
#include "mtlab/options/env_expand.h"
#include "mtlab/options/freeze_spec.h"
#include "mtlab/options/trial_options.h"
#include "mtlab/spec/resolve_options.h"
#include "mtlab/spec/schema.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using Kind = FreezeSpec::Kind;

namespace {

const std::vector<std::string> kTasks{"intent", "slots"};

spec::Trial only_trial(const std::string& text, const std::string& folder) {
  const auto dir = test::scratch_dir(folder);
  const auto file = test::write_file(dir, "exp.toml", text);
  spec::LoadOptions options;
  options.check_files = false;
  auto experiment = spec::load_experiment(file, options);
  REQUIRE(experiment.trials.size() == 1);
  return experiment.trials.front();
}

}  // namespace

TEST_CASE("the freeze grammar parses each form into a typed value that prints as written", "[options][freeze]") {
  for (const auto& [text, kind] : std::vector<std::pair<std::string, Kind>>{
           {"none", Kind::none}, {"all", Kind::all}, {"backbone", Kind::backbone}, {"embeddings", Kind::embeddings}}) {
    const FreezeSpec f = parse_freeze(text, kTasks, 4);
    CHECK(f.kind == kind);
    CHECK(f.text() == text);
  }
  const FreezeSpec layers = parse_freeze("layers:3", kTasks, 4);
  CHECK((layers.kind == Kind::layers && layers.layers == 3 && layers.text() == "layers:3"));
  const FreezeSpec head = parse_freeze("head:slots", kTasks, 4);
  CHECK((head.kind == Kind::head && head.head == "slots" && head.text() == "head:slots"));
  CHECK(FreezeSpec{}.text() == "none");
}

TEST_CASE("the freeze grammar has one error text per mistake", "[options][freeze]") {
  CHECK_THROWS_WITH(parse_freeze("layers:5", kTasks, 4),
                    "'layers:5': K must be an integer in [0, 4] (the backbone's encoder layers)");
  CHECK_THROWS_WITH(parse_freeze("layers:-1", kTasks, 4),
                    "'layers:-1': K must be an integer in [0, 4] (the backbone's encoder layers)");
  CHECK_THROWS_WITH(parse_freeze("layers:", kTasks, 4),
                    "'layers:': K must be an integer in [0, 4] (the backbone's encoder layers)");
  CHECK_THROWS_WITH(parse_freeze("head:intnet", kTasks, 4),
                    "'head:intnet': no task named 'intnet' (did you mean 'intent'?); tasks: intent, slots");
  CHECK_THROWS_WITH(parse_freeze("head:x", {}, 4), "'head:x': no task named 'x'; tasks: none");
  CHECK_THROWS_WITH(parse_freeze("embedings", kTasks, 4),
                    "'embedings' is not a freeze policy, expected none | all | backbone | embeddings | layers:K | "
                    "head:NAME (did you mean 'embeddings'?)");
}

TEST_CASE("the freeze presets are spelled by the grammar", "[options][freeze]") {
  CHECK(freeze_scenarios(kTasks) ==
        std::vector<std::string>{"none", "all", "backbone", "embeddings", "head:intent", "head:slots"});
  CHECK(layers_freeze(2) == "layers:2");
  for (const auto& policy : freeze_scenarios(kTasks)) CHECK(parse_freeze(policy, kTasks, 4).text() == policy);
}

TEST_CASE("expand_env: ${NAME} from the environment and $$ a literal $ while a lone $ is kept", "[options][env]") {
  ::setenv("MTLAB_TEST_OPTIONS_ROOT", "/r", 1);
  ::unsetenv("MTLAB_TEST_OPTIONS_UNSET");
  CHECK(expand_env("${MTLAB_TEST_OPTIONS_ROOT}/a") == "/r/a");
  CHECK(expand_env("a$$b$$$${MTLAB_TEST_OPTIONS_ROOT}") == "a$b$${MTLAB_TEST_OPTIONS_ROOT}");
  CHECK(expand_env("cost$5 $") == "cost$5 $");
  CHECK_THROWS_WITH(expand_env("${MTLAB_TEST_OPTIONS_UNSET}/x", "exp.toml:3:9"),
                    "exp.toml:3:9: environment variable MTLAB_TEST_OPTIONS_UNSET is not set (used in "
                    "\"${MTLAB_TEST_OPTIONS_UNSET}/x\"); set it or override the value with --set");
  CHECK_THROWS_WITH(expand_env("${OOPS"), "unterminated '${' in \"${OOPS\"");
}

TEST_CASE("each data format accepts the keys the table gives it and the schema agrees", "[options][data]") {
  CHECK(data_keys_of("synthetic") ==
        std::vector<std::string>{"format", "seed", "train_size", "dev_size", "test_size", "noise"});
  CHECK(data_keys_of("joint") == std::vector<std::string>{"format", "train", "dev", "test", "encoding", "dev_fraction",
                                                          "split_seed", "limit_train", "limit_dev", "limit_test",
                                                          "scheme", "words_file", "tags_file", "label_file"});
  const auto csv = data_keys_of("csv");
  CHECK(std::find(csv.begin(), csv.end(), "header") != csv.end());
  CHECK(std::find(csv.begin(), csv.end(), "scheme") == csv.end());
  CHECK_THROWS_WITH(data_keys_of("jsnl"),
                    "unknown data format 'jsnl', expected one of joint, conll, tsv, csv, jsonl, text, synthetic "
                    "(did you mean 'jsonl'?)");
  for (const auto& rule : data_key_rules()) {
    for (const std::string prefix : {"data.", "tasks.*.data."}) {
      const auto* spec = spec::find_key_spec(prefix + std::string(rule.key));
      REQUIRE(spec);
      CHECK(spec->formats == rule.formats);
    }
  }
  const auto* format = spec::find_key_spec("data.format");
  CHECK(std::vector<std::string>(format->choices.begin(), format->choices.end()) == data_formats());
}

TEST_CASE("the schema's defaults are the option structs' defaults in the reference's spelling", "[options][defaults]") {
  auto default_of = [](const std::string& key) { return std::string(spec::find_key_spec(key)->default_toml); };
  CHECK(default_of("optimizer.lr") == "5e-5");
  CHECK(default_of("optimizer.weight_decay") == "0.01");
  CHECK(default_of("training.grad_clip") == "1.0");
  CHECK(default_of("optimizer.warmup") == "0.0");
  CHECK(default_of("training.epochs") == "3");
  CHECK(default_of("training.freeze") == "\"none\"");
  CHECK(default_of("training.metric_mode") == "\"auto\"");
  CHECK(default_of("weighting.method") == "\"static\"");
  CHECK(default_of("tasks.*.level") == "\"\"");
  CHECK(default_of("tasks.*.metrics") == "[]");
  CHECK(default_of("training.frozen_cache") == "true");
  const auto* save = spec::find_key_spec("training.save");
  CHECK(std::vector<std::string>(save->choices.begin(), save->choices.end()) == enum_names<SaveModel>());
}

TEST_CASE("resolve_options: a spec that sets nothing gives the structs' defaults", "[options][defaults]") {
  const TrialOptions o = spec::resolve_options(only_trial(test::kMinimalSpec, "options_defaults"));
  const TrialOptions d{};
  CHECK(o.training.epochs == d.training.epochs);
  CHECK(o.training.batch_size == d.training.batch_size);
  CHECK(o.training.freeze.kind == Kind::none);
  CHECK(o.training.metric == d.training.metric);
  CHECK(o.training.metric_mode == d.training.metric_mode);
  CHECK(o.training.save == d.training.save);
  CHECK(o.training.grad_clip == d.training.grad_clip);
  CHECK(o.training.frozen_cache_mb == d.training.frozen_cache_mb);
  CHECK(o.training.log_every == d.training.log_every);
  CHECK(o.training.device == d.training.device);
  CHECK(o.optimizer.plugin == d.optimizer.plugin);
  CHECK(o.optimizer.lr == d.optimizer.lr);
  CHECK(o.optimizer.weight_decay == d.optimizer.weight_decay);
  CHECK(o.optimizer.layer_decay == d.optimizer.layer_decay);
  CHECK(o.optimizer.groups.empty());
  CHECK(o.optimizer.schedule.kind == d.optimizer.schedule.kind);
  CHECK(o.sampling.rule == d.sampling.rule);
  CHECK(o.sampling.temperature == d.sampling.temperature);
  CHECK(o.weighting.method == d.weighting.method);
  CHECK(o.unfreeze.unit == d.unfreeze.unit);
  CHECK(o.unfreeze.group_size == d.unfreeze.group_size);
  CHECK(o.experiment.name == "t");
  CHECK(o.experiment.seed == d.experiment.seed);
  CHECK(o.experiment.isolation == d.experiment.isolation);
  REQUIRE(o.tasks.size() == 2);
  CHECK(o.tasks[0].name == "intent");
  CHECK(o.tasks[0].head == "sequence_classification");
  CHECK(o.tasks[0].loss == TaskOptions{}.loss);
  CHECK(o.tasks[0].weight == TaskOptions{}.weight);
  // No catalog here, so no head plugin's declared level to fill in: the head object decides
  // (with a catalog the resolver fills it: test_compose.cpp).
  CHECK(o.tasks[0].level == TaskLevel::from_head);
  CHECK(o.tasks[1].level == TaskLevel::from_head);
}

TEST_CASE("resolve_options: written values become typed values", "[options]") {
  std::string text = test::kMinimalSpec;
  text.replace(text.find("name = \"t\""), 10, "name = \"t\"\nisolation = \"process\"");
  const TrialOptions o = spec::resolve_options(only_trial(text + R"(
[training]
epochs = 7
freeze = "layers:2"
save = "last"
metric_mode = "max"
metric = "dev.intent.accuracy"

[optimizer]
lr = 1e-4
schedule = "cosine"
warmup = 0.1
groups = { backbone = 1e-5, heads = { lr = 1e-3, weight_decay = 0.0 } }

[sampling]
rule = "temperature"

[weighting]
method = "uncertainty"

[unfreeze]
unit = "steps"
every = 5
)",
                                                                  "options_written"));
  CHECK(o.training.epochs == 7);
  CHECK((o.training.freeze.kind == Kind::layers && o.training.freeze.layers == 2));
  CHECK(o.training.save == SaveModel::last);
  CHECK(o.training.metric_mode == MetricMode::max);
  CHECK(o.training.metric == "dev.intent.accuracy");
  CHECK(o.optimizer.lr == 1e-4);
  CHECK(o.optimizer.schedule.kind == ScheduleKind::cosine);
  CHECK(o.optimizer.schedule.warmup == 0.1);
  REQUIRE(o.optimizer.groups.size() == 2);
  CHECK(o.optimizer.groups.at("backbone").lr == 1e-5);
  CHECK_FALSE(o.optimizer.groups.at("backbone").weight_decay);
  CHECK(o.optimizer.groups.at("heads").lr == 1e-3);
  CHECK(o.optimizer.groups.at("heads").weight_decay == 0.0);
  CHECK(o.sampling.rule == SamplingRule::temperature);
  CHECK(o.weighting.method == WeightingMethod::uncertainty);
  CHECK(o.unfreeze.unit == UnfreezeUnit::steps);
  CHECK(o.unfreeze.every == 5);
  CHECK(o.experiment.isolation == Isolation::process);
}
