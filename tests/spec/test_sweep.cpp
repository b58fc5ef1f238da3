// Sweep expansion (grid × zip × seeds, freeze and depth presets): counts, order,
// names; and the config hash: stable, independent of how the file is written.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "mtlab/core/hash.h"
#include "mtlab/spec/schema.h"
#include "mtlab/spec/trial_format.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::write_file;

namespace {

std::vector<spec::Trial> trials_of(const std::string& name, const std::string& text) {
  const auto dir = test::scratch_dir(name);
  return spec::load_experiment(write_file(dir, "exp.toml", text)).trials;
}

// Several specs side by side in one folder (resolved paths depend on the folder).
std::vector<spec::Trial> trials_in(const std::filesystem::path& dir, const std::string& file, const std::string& text) {
  return spec::load_experiment(write_file(dir, file, text)).trials;
}

std::vector<std::string> names(const std::vector<spec::Trial>& trials) {
  std::vector<std::string> out;
  for (const auto& t : trials) out.push_back(t.name);
  return out;
}

}  // namespace

TEST_CASE("A grid is the cartesian product, first key slowest", "[spec][sweep]") {
  const auto trials = trials_of("sweep_grid", test::kMinimalSpec + R"([sweep]
grid = { "training.freeze" = ["none", "backbone", "all"], "optimizer.lr" = [1e-3, 5e-5] }
)");
  CHECK(names(trials) == std::vector<std::string>{"freeze=none,lr=0.001", "freeze=none,lr=5e-05",
                                                  "freeze=backbone,lr=0.001", "freeze=backbone,lr=5e-05",
                                                  "freeze=all,lr=0.001", "freeze=all,lr=5e-05"});
  CHECK(trials[2].config["training"]["freeze"] == "backbone");
  CHECK(trials[2].config["optimizer"]["lr"].get<double>() == Approx(1e-3));
  CHECK(trials[2].index == 2);
  CHECK(trials[2].count == 6);
  REQUIRE(trials[2].swept.size() == 2);
  CHECK(trials[2].swept[0].key == "training.freeze");
  CHECK_FALSE(trials[0].config.contains("sweep"));
}

TEST_CASE("Nested grid tables are dotted keys too", "[spec][sweep]") {
  const auto trials = trials_of("sweep_nested", test::kMinimalSpec + R"([sweep.grid]
training.epochs = [1, 2]
)");
  CHECK(names(trials) == std::vector<std::string>{"epochs=1", "epochs=2"});
}

TEST_CASE("zip advances lists together, seeds repeat every trial, fastest", "[spec][sweep]") {
  const auto trials = trials_of("sweep_zip", test::kMinimalSpec + R"([sweep]
zip = { "training.epochs" = [1, 2, 3], "training.batch_size" = [8, 16, 32] }
seeds = [13, 14]
)");
  CHECK(names(trials) == std::vector<std::string>{
                             "epochs=1,batch_size=8,seed=13", "epochs=1,batch_size=8,seed=14",
                             "epochs=2,batch_size=16,seed=13", "epochs=2,batch_size=16,seed=14",
                             "epochs=3,batch_size=32,seed=13", "epochs=3,batch_size=32,seed=14"});
  CHECK(trials[3].seed == 14);
  CHECK(trials[3].config["experiment"]["seed"] == 14);
  CHECK(trials[3].config["training"]["batch_size"] == 16);
}

TEST_CASE("grid × zip × seeds multiplies", "[spec][sweep]") {
  const auto trials = trials_of("sweep_product", test::kMinimalSpec + R"([sweep]
grid = { "training.epochs" = [1, 2], "training.max_steps" = [10, 20, 30] }
zip = { "optimizer.lr" = [1e-3, 1e-4], "optimizer.warmup" = [0.0, 0.1] }
seeds = [1, 2, 3]
)");
  CHECK(trials.size() == 2 * 3 * 2 * 3);
  std::set<std::string> unique_names, unique_hashes;
  for (const auto& t : trials) {
    unique_names.insert(t.name);
    unique_hashes.insert(t.hash);
  }
  CHECK(unique_names.size() == trials.size());
  CHECK(unique_hashes.size() == trials.size());
}

TEST_CASE("freeze = \"scenarios\" gives none, all, backbone, embeddings and each task's head", "[spec][sweep]") {
  // Tasks written slots first: head scenarios follow the file's order.
  const auto trials = trials_of("sweep_scenarios", R"([experiment]
name = "t"
[tasks.slots]
head = "token_classification"
[tasks.intent]
head = "sequence_classification"
[data]
format = "synthetic"
[sweep]
freeze = "scenarios"
seeds = [1, 2]
)");
  CHECK(names(trials) == std::vector<std::string>{
                             "freeze=none,seed=1", "freeze=none,seed=2", "freeze=all,seed=1", "freeze=all,seed=2",
                             "freeze=backbone,seed=1", "freeze=backbone,seed=2", "freeze=embeddings,seed=1",
                             "freeze=embeddings,seed=2", "freeze=head:slots,seed=1", "freeze=head:slots,seed=2",
                             "freeze=head:intent,seed=1", "freeze=head:intent,seed=2"});
  CHECK(trials[9].config["training"]["freeze"] == "head:slots");
}

TEST_CASE("The depth preset sets layers:K, with a freeze list it is one dimension", "[spec][sweep]") {
  const auto depth = trials_of("sweep_layers", test::kMinimalSpec + R"([backbone.init]
num_layers = 6
[sweep]
layers = [0, 2, 6]
)");
  CHECK(names(depth) == std::vector<std::string>{"layers=0", "layers=2", "layers=6"});
  CHECK(depth[1].config["training"]["freeze"] == "layers:2");

  const auto both = trials_of("sweep_layers_freeze", test::kMinimalSpec + R"([sweep]
freeze = ["none", "all"]
layers = [1, 2]
)");
  CHECK(names(both) == std::vector<std::string>{"freeze=none", "freeze=all", "layers=1", "layers=2"});
}

TEST_CASE("Empty preset and seed lists switch their dimension off", "[spec][sweep]") {
  const auto dir = test::scratch_dir("sweep_off");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + "[sweep]\nfreeze = \"scenarios\"\nseeds = [1, 2]\n");
  spec::LoadOptions options;
  options.overrides = {"sweep.freeze=[]", "sweep.seeds=[]"};
  const auto trials = spec::load_experiment(file, options).trials;
  CHECK(names(trials) == std::vector<std::string>{"default"});
  options.overrides = {"sweep.seeds=[]"};
  CHECK(spec::load_experiment(file, options).trials.size() == 6);
}

TEST_CASE("Names use the full key when two swept keys end alike", "[spec][sweep]") {
  const auto trials = trials_of("sweep_labels", test::kMinimalSpec + R"([sweep]
zip = { "tasks.intent.weight" = [0.5, 0.8], "tasks.slots.weight" = [0.5, 0.2] }
)");
  CHECK(names(trials) == std::vector<std::string>{"tasks.intent.weight=0.5,tasks.slots.weight=0.5",
                                                  "tasks.intent.weight=0.8,tasks.slots.weight=0.2"});
}

TEST_CASE("Swept paths resolve against the spec's folder", "[spec][sweep]") {
  const auto dir = test::scratch_dir("sweep_paths");
  write_file(dir, "a.tsv", "x\t1\n");
  write_file(dir, "b.tsv", "x\t1\n");
  const auto file = write_file(dir, "exp.toml", R"([experiment]
name = "t"
[tasks.intent]
head = "sequence_classification"
[data]
format = "tsv"
train = "a.tsv"
[sweep]
grid = { "data.train" = ["a.tsv", "b.tsv"] }
)");
  const auto trials = spec::load_experiment(file).trials;
  REQUIRE(trials.size() == 2);
  CHECK(trials[1].config["data"]["train"] == (dir / "b.tsv").string());
  CHECK(trials[1].name == "train=b.tsv");
}

TEST_CASE("A sweep too large to run is refused", "[spec][sweep]") {
  const auto dir = test::scratch_dir("sweep_huge");
  std::string list = "[";
  for (int i = 1; i <= 100; ++i) list += std::to_string(i) + (i < 100 ? "," : "]");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + "[sweep]\ngrid = { \"training.epochs\" = " + list +
                                                    ", \"training.max_steps\" = " + list + " }\nseeds = " + list + "\n");
  const auto errors = test::errors_of(file);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == file.string() + ":12:2: sweep: the sweep expands to more than 100000 trials; narrow it");
}

TEST_CASE("A caller's lower trial limit refuses a sweep above it and keeps one at it", "[spec][sweep]") {
  const auto dir = test::scratch_dir("sweep_limit");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + "[sweep]\nseeds = [1, 2, 3, 4, 5, 6]\n");
  spec::LoadOptions options;
  options.max_trials = 6;
  CHECK(spec::check_experiment(file, options).experiment.trials.size() == 6);
  options.max_trials = 5;
  const auto result = spec::check_experiment(file, options);
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0].str() == file.string() + ":12:2: sweep: the sweep expands to more than 5 trials; narrow it");
  CHECK(result.experiment.trials.empty());
}

TEST_CASE("A swept key naming a table that ends in a closing bracket is reported at the grid and validation ends", "[spec][sweep]") {
  // Fuzz finding 4: "training]" ends like a list element "a[2]" but has no '[', and walking up
  // from it to find a file location never ended.
  const auto dir = test::scratch_dir("sweep_bracket_key");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + "[sweep]\ngrid = { \"training].freeze\" = [\"none\"] }\n");
  const auto errors = test::errors_of(file);
  REQUIRE(errors.size() == 1);
  // The table has no position of its own: the error points at the grid entry that made it.
  CHECK(errors[0] == file.string() + ":13:32: training]: unknown key (did you mean 'training'?)");
  CHECK(spec::parent_key("training]") == "");
  CHECK(spec::parent_key("a.b[2]") == "a.b");
  CHECK(spec::parent_key("a.\"b.c\".d") == "a.\"b.c\"");
  CHECK(spec::parent_key("x]") == "");
}

TEST_CASE("The dry-run listing shows each trial and the values that differ", "[spec][sweep]") {
  const auto dir = test::scratch_dir("sweep_format");
  const auto exp = spec::load_experiment(write_file(dir, "exp.toml", test::kMinimalSpec + R"([sweep]
freeze = ["none", "backbone"]
)"));
  REQUIRE(exp.trials.size() == 2);
  CHECK(spec::differing_keys(exp.trials) == std::vector<std::string>{"training.freeze"});
  CHECK(spec::format_trials(exp) == "experiment t: 2 trials\n"
                                    "  [1/2] freeze=none  hash " + exp.trials[0].hash.substr(0, 12) + "\n"
                                    "      training.freeze = \"none\"\n"
                                    "  [2/2] freeze=backbone  hash " + exp.trials[1].hash.substr(0, 12) + "\n"
                                    "      training.freeze = \"backbone\"\n");
}

TEST_CASE("The config hash is sha256 of the canonical JSON", "[spec][hash]") {
  const nlohmann::json config = {{"b", {{"c", "x"}}}, {"a", 1}};
  CHECK(spec::canonical_json(config) == R"({"a":1,"b":{"c":"x"}})");
  CHECK(spec::config_hash(config) == "c3ae429d9d61242ab4b7394d768f3c549da6739d6bdd0dd0ced56296d058538b");
}

TEST_CASE("The hash covers paths inside the spec's folder relative to it, others as they are", "[spec][hash]") {
  const nlohmann::json config = {
      {"data", {{"train", "/exp/a/data/train.tsv"}, {"dev", "/exp/a/../a/data/dev.tsv"}, {"test", "/exp/ab/test.tsv"}}},
      {"experiment", {{"output", "/exp/a"}, {"name", "/exp/a/x"}}},
      {"plugins", {{"paths", {"/exp/a/plugins", "/opt/plugins"}}}},
      {"backbone", {{"vocab", "build"}, {"checkpoint", "models/bert"}}}};
  const auto hashed = spec::hashed_form(config, "/exp/a");
  CHECK(hashed["data"]["train"] == "data/train.tsv");
  CHECK(hashed["data"]["dev"] == "data/dev.tsv");
  CHECK(hashed["data"]["test"] == "/exp/ab/test.tsv");  // a sibling folder is outside
  CHECK(hashed["experiment"]["output"] == ".");
  CHECK(hashed["plugins"]["paths"] == nlohmann::json{"plugins", "/opt/plugins"});
  CHECK(hashed["backbone"] == config["backbone"]);  // words and relative text are not paths to take back
  CHECK(spec::hashed_form(config, "") == config);
  // Moved with everything inside it: the same hash; a path outside that moved: another.
  auto moved = config;
  for (auto* p : {&moved["data"]["train"], &moved["data"]["dev"], &moved["experiment"]["output"],
                  &moved["experiment"]["name"], &moved["plugins"]["paths"][0]}) {
    *p = "/elsewhere/deeper" + p->get<std::string>();
  }
  CHECK(spec::config_hash(moved, "/elsewhere/deeper/exp/a") == spec::config_hash(config, "/exp/a"));
  moved["data"]["test"] = "/elsewhere/deeper/exp/ab/test.tsv";
  CHECK(spec::config_hash(moved, "/elsewhere/deeper/exp/a") != spec::config_hash(config, "/exp/a"));
}

TEST_CASE("Same config, same hash: key order and number spelling do not matter", "[spec][hash]") {
  const auto dir = test::scratch_dir("spec_hash");
  const auto a = trials_in(dir, "a.toml", R"([experiment]
name = "t"
seed = 7
[tasks.intent]
head = "sequence_classification"
weight = 1
[tasks.slots]
head = "token_classification"
[data]
format = "synthetic"
[optimizer]
lr = 0.001
schedule = "cosine"
)");
  // Tables and keys in another order, 1 written as 1.0, 1e-3 for 0.001, defaults spelled out.
  const auto b = trials_in(dir, "b.toml", R"([optimizer]
schedule = "cosine"
lr = 1e-3
[data]
format = "synthetic"
[tasks.slots]
head = "token_classification"
[tasks.intent]
weight = 1.0
head = "sequence_classification"
loss = "cross_entropy"
[experiment]
seed = 7
name = "t"
)");
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].json == b[0].json);
  CHECK(a[0].hash == b[0].hash);
  // The hash covers paths relative to the spec's folder; the legacy one, the JSON as stored.
  CHECK(a[0].hash == spec::config_hash(a[0].config, dir));
  CHECK(a[0].hash != sha256_hex(a[0].json));  // the default database and output lie in `dir`
  CHECK(a[0].legacy_hash == sha256_hex(a[0].json));
  // Loading twice gives the same hash; changing one value changes it.
  CHECK(trials_in(dir, "a2.toml", a[0].toml)[0].hash == a[0].hash);
  const auto c = trials_in(dir, "c.toml", R"([experiment]
name = "t"
seed = 8
[tasks.intent]
head = "sequence_classification"
[tasks.slots]
head = "token_classification"
[data]
format = "synthetic"
[optimizer]
lr = 0.001
schedule = "cosine"
)");
  CHECK(c[0].hash != a[0].hash);
}

TEST_CASE("Worker liveness keys are not part of the trial: changing them keeps the hash", "[spec][sweep]") {
  const auto dir = test::scratch_dir("sweep_unhashed");
  const auto plain = trials_in(dir, "a.toml", test::kMinimalSpec);
  spec::LoadOptions options;
  options.overrides = {"experiment.max_retries=7", "experiment.heartbeat_timeout=30"};
  const auto changed = spec::load_experiment(dir / "a.toml", options).trials;
  REQUIRE(changed[0].config["experiment"]["max_retries"] == 7);  // recorded with the run all the same
  CHECK(changed[0].hash == plain[0].hash);
  options.overrides = {"experiment.seed=99"};
  CHECK(spec::load_experiment(dir / "a.toml", options).trials[0].hash != plain[0].hash);  // a trial key does change it
  CHECK(std::find(spec::unhashed_keys().begin(), spec::unhashed_keys().end(), "experiment.max_retries") !=
        spec::unhashed_keys().end());
}
