// Parsing and composition: defaults, extends, --set, paths and ${NAME}.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "mtlab/core/error.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::write_file;

namespace {

spec::Trial only_trial(const std::filesystem::path& file, spec::LoadOptions options = {}) {
  auto exp = spec::load_experiment(file, options);
  REQUIRE(exp.trials.size() == 1);
  return exp.trials[0];
}

}  // namespace

TEST_CASE("A minimal spec resolves with every default filled", "[spec]") {
  const auto dir = test::scratch_dir("spec_minimal");
  const auto t = only_trial(write_file(dir, "exp.toml", test::kMinimalSpec));
  CHECK(t.name == "default");
  CHECK(t.config["training"]["batch_size"] == 32);
  CHECK(t.config["training"]["freeze"] == "none");
  CHECK(t.config["optimizer"]["lr"].is_number_float());
  CHECK(t.config["optimizer"]["lr"].get<double>() == Approx(5e-5));
  CHECK(t.config["tasks"]["intent"]["loss"] == "cross_entropy");
  // A task's level, when not given, is left to the head object without a catalog
  // to say what the head plugin declares.
  CHECK(t.config["tasks"]["intent"]["level"] == "");
  CHECK(t.config["tasks"]["slots"]["level"] == "");
  // Format-specific defaults only for the format in use.
  CHECK(t.config["data"]["train_size"] == 2000);
  CHECK_FALSE(t.config["data"].contains("encoding"));
  CHECK(t.config["backbone"]["plugin"] == "bert");
  CHECK(t.config["backbone"]["max_length"] == 128);
  CHECK_FALSE(t.config.contains("sweep"));
  // Relative output paths resolve against the spec's folder.
  CHECK(t.config["experiment"]["database"] == (dir / "results.db").string());
  CHECK(t.seed == 42);
}

TEST_CASE("A PostgreSQL URL as experiment.database is kept exactly as written", "[spec][storage]") {
  const auto dir = test::scratch_dir("spec_database_url");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec);
  for (const std::string url : {"postgresql://mtlab@db.example:5432/results", "postgres://db/results",
                                "postgresql://mtlab@/results?host=/run/postgresql"}) {
    spec::LoadOptions options;
    options.overrides = {"experiment.database=\"" + url + "\""};
    CHECK(only_trial(file, options).config["experiment"]["database"] == url);
  }
  // A file path is still a path: from --set, relative to the current folder.
  spec::LoadOptions options;
  options.overrides = {"experiment.database=\"sub/r.db\""};
  CHECK(only_trial(file, options).config["experiment"]["database"] ==
        (std::filesystem::current_path() / "sub" / "r.db").string());
}

TEST_CASE("A checkpoint resolves to an absolute folder, vocab = \"build\" is not a path", "[spec]") {
  const auto dir = test::scratch_dir("spec_checkpoint");
  std::filesystem::create_directories(dir / "model");
  auto t = only_trial(write_file(dir, "exp.toml", test::kMinimalSpec + "[backbone]\ncheckpoint = \"model\"\n"));
  CHECK(t.config["backbone"]["checkpoint"] == (dir / "model").string());
  t = only_trial(write_file(dir, "new.toml", test::kMinimalSpec + "[backbone]\nvocab = \"build\"\n"));
  CHECK(t.config["backbone"]["vocab"] == "build");
}

TEST_CASE("A task's level defaults to the level its head plugin declares", "[spec][plugins]") {
  const auto dir = test::scratch_dir("spec_head_level");
  spec::LoadOptions options;
  const auto base = test::fake_catalog();
  options.plugins = [base](const std::vector<std::filesystem::path>& extra) {
    auto plugins = base(extra);
    plugins.push_back(test::fake_plugin(plugin::Kind::head, "crf_tagger", {}, "token"));
    plugins.push_back(test::fake_plugin(plugin::Kind::head, "undeclared", {}));
    return plugins;
  };
  const auto t = only_trial(write_file(dir, "exp.toml", test::kMinimalSpec + R"([tasks.tags]
head = "crf_tagger"
[tasks.other]
head = "undeclared"
[tasks.forced]
head = "crf_tagger"
level = "sentence"
)"), options);
  CHECK(t.config["tasks"]["intent"]["level"] == "sentence");
  CHECK(t.config["tasks"]["slots"]["level"] == "token");
  CHECK(t.config["tasks"]["tags"]["level"] == "token");  // no level = "token" needed
  CHECK(t.config["tasks"]["other"]["level"] == "");      // left to the head object
  CHECK(t.config["tasks"]["forced"]["level"] == "sentence");
}

TEST_CASE("A plugin's view holds only the keys it declares", "[spec][plugins]") {
  const auto dir = test::scratch_dir("spec_plugin_config");
  spec::LoadOptions options;
  options.plugins = test::fake_catalog();
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + R"([backbone]
do_lower_case = false
[backbone.init]
hidden_size = 64
[tasks.intent.head_config]
pooling = "cls"
)");
  const auto t = only_trial(file, options);
  const auto plugins = options.plugins({});
  const auto& bert = plugins[0];
  const Config backbone = spec::plugin_config(t, "backbone", bert);
  CHECK(backbone.keys() == std::vector<std::string>{"do_lower_case", "init", "max_length"});  // not plugin, from_run
  CHECK(backbone.get_bool("do_lower_case") == false);
  CHECK(backbone.get_table("init").get_int("hidden_size") == 64);
  CHECK(backbone.location("do_lower_case") == file.string() + ":13:1");
  CHECK(backbone.get_table("init").location("hidden_size") == file.string() + ":15:1");
  const Config head = spec::plugin_config(t, "tasks.intent.head_config", plugins[1]);
  CHECK(head.get_string("pooling") == "cls");
  CHECK(head.keys() == std::vector<std::string>{"pooling"});
}

TEST_CASE("extends merges tables, later wins, paths resolve against the file that sets them", "[spec][extends]") {
  const auto dir = test::scratch_dir("spec_extends");
  write_file(dir, "base/train.tsv", "a\t1\n");
  write_file(dir, "base/base.toml", R"([experiment]
name = "base"
[training]
epochs = 5
batch_size = 16
[tasks.intent]
head = "sequence_classification"
metrics = ["accuracy", "macro_f1"]
[data]
format = "tsv"
train = "train.tsv"
)");
  const auto child = write_file(dir, "exp.toml", R"(extends = "base/base.toml"
[experiment]
name = "child"
[training]
epochs = 7
[tasks.intent]
metrics = ["accuracy"]
)");
  const auto t = only_trial(child);
  CHECK(t.config["experiment"]["name"] == "child");
  CHECK(t.config["training"]["epochs"] == 7);
  CHECK(t.config["training"]["batch_size"] == 16);
  CHECK(t.config["tasks"]["intent"]["head"] == "sequence_classification");
  CHECK(t.config["tasks"]["intent"]["metrics"] == nlohmann::json::array({"accuracy"}));  // arrays replace
  CHECK(t.config["data"]["train"] == (dir / "base" / "train.tsv").string());
  // Every value keeps the position it was written at.
  CHECK(t.locations.at("training.epochs") == child.string() + ":5:1");
  CHECK(t.locations.at("training.batch_size") == (dir / "base" / "base.toml").lexically_normal().string() + ":5:1");
  CHECK(t.view("training").location("epochs") == child.string() + ":5:1");
}

TEST_CASE("extends follows chains and lists in order", "[spec][extends]") {
  const auto dir = test::scratch_dir("spec_extends_chain");
  write_file(dir, "a.toml", "[training]\nepochs = 1\nbatch_size = 4\nmax_steps = 10\n");
  write_file(dir, "b.toml", "extends = \"a.toml\"\n[training]\nepochs = 2\n");
  write_file(dir, "c.toml", "[training]\nbatch_size = 8\n");
  const auto t = only_trial(write_file(dir, "exp.toml", "extends = [\"b.toml\", \"c.toml\"]\n" + test::kMinimalSpec));
  CHECK(t.config["training"]["epochs"] == 2);
  CHECK(t.config["training"]["batch_size"] == 8);
  CHECK(t.config["training"]["max_steps"] == 10);
}

TEST_CASE("An extends cycle is an error naming the chain", "[spec][extends]") {
  const auto dir = test::scratch_dir("spec_extends_cycle");
  write_file(dir, "a.toml", "extends = \"b.toml\"\n");
  write_file(dir, "b.toml", "extends = \"a.toml\"\n");
  const auto errors = test::errors_of(dir / "a.toml");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == (dir / "b.toml").string() + ":1:1: extends: cycle: a.toml -> b.toml -> a.toml");
}

TEST_CASE("A missing base spec is an error at the extends line", "[spec][extends]") {
  const auto dir = test::scratch_dir("spec_extends_missing");
  const auto file = write_file(dir, "exp.toml", "\nextends = \"nope.toml\"\n");
  const auto errors = test::errors_of(file);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == file.string() + ":2:1: extends: base spec '" + (dir / "nope.toml").string() + "' not found");
}

TEST_CASE("Overrides (--set) are typed as TOML types them", "[spec][set]") {
  const auto dir = test::scratch_dir("spec_set");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec);
  spec::LoadOptions options;
  options.overrides = {"training.batch_size=8",      "optimizer.lr=1e-3",
                       "training.freeze=backbone",   "tasks.intent.metrics=[\"accuracy\"]",
                       "experiment.name=\"quoted\"", "training.early_stopping = true",
                       "backbone.init.hidden_size=64", "optimizer.groups.backbone=1e-5"};
  const auto t = only_trial(file, options);
  CHECK(t.config["training"]["batch_size"] == 8);
  CHECK(t.config["optimizer"]["lr"].get<double>() == Approx(1e-3));
  CHECK(t.config["training"]["freeze"] == "backbone");  // a bare word is a string
  CHECK(t.config["tasks"]["intent"]["metrics"] == nlohmann::json::array({"accuracy"}));
  CHECK(t.config["experiment"]["name"] == "quoted");
  CHECK(t.config["training"]["early_stopping"] == true);
  CHECK(t.config["backbone"]["init"]["hidden_size"] == 64);
  CHECK(t.config["optimizer"]["groups"]["backbone"].get<double>() == Approx(1e-5));
  CHECK(t.locations.at("training.batch_size") == "--set");
}

TEST_CASE("Override (--set) paths resolve against the current folder, an empty path unsets", "[spec][set]") {
  const auto dir = test::scratch_dir("spec_set_paths");
  const auto file = write_file(dir, "exp.toml", R"([experiment]
name = "t"
[tasks.intent]
head = "sequence_classification"
[data]
format = "tsv"
train = "train.tsv"
dev = "dev.tsv"
)");
  spec::LoadOptions options;
  options.check_files = false;
  options.overrides = {"data.train=other.tsv", "data.dev=\"\""};
  const auto t = only_trial(file, options);
  CHECK(t.config["data"]["train"] == (std::filesystem::current_path() / "other.tsv").string());
  CHECK_FALSE(t.config["data"].contains("dev"));
}

TEST_CASE("An extending spec trains from scratch by unsetting backbone.from_run with \"\"", "[spec][extends]") {
  const auto dir = test::scratch_dir("spec_unset_from_run");
  write_file(dir, "finetune.toml", R"([experiment]
name = "finetune"
[backbone]
from_run = "pretrain/default"
[tasks.intent]
head = "sequence_classification"
[data]
format = "tsv"
train = "train.tsv"
)");
  const auto file = write_file(dir, "scratch.toml", R"(extends = "finetune.toml"
[experiment]
name = "scratch"
[backbone]
from_run = ""
[backbone.init]
hidden_size = 64
)");
  spec::LoadOptions options;
  options.check_files = false;
  CHECK(only_trial(dir / "finetune.toml", options).config["backbone"]["from_run"] == "pretrain/default");
  const auto t = only_trial(file, options);
  CHECK_FALSE(t.config["backbone"].contains("from_run"));
  CHECK(t.config["backbone"]["init"]["hidden_size"] == 64);
  options.overrides = {"backbone.from_run=\"\""};
  CHECK_FALSE(only_trial(dir / "finetune.toml", options).config["backbone"].contains("from_run"));
}

TEST_CASE("A malformed --set is an error", "[spec][set]") {
  const auto dir = test::scratch_dir("spec_set_bad");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec);
  spec::LoadOptions options;
  options.overrides = {"training.batch_size"};
  auto errors = test::errors_of(file, options);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "--set 'training.batch_size': expected key.path=value");
  options.overrides = {"training..x=1"};
  errors = test::errors_of(file, options);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "--set 'training..x=1': 'training..x' is not a valid key path (dotted TOML keys: training.batch_size)");
}

TEST_CASE("${NAME} expands in path values, before relative resolution", "[spec][env]") {
  const auto dir = test::scratch_dir("spec_env");
  ::setenv("MTLAB_TEST_DATA_ROOT", "/data/root", 1);
  ::setenv("MTLAB_TEST_SUBDIR", "sub", 1);
  const auto file = write_file(dir, "exp.toml", R"([experiment]
name = "t"
output = "${MTLAB_TEST_SUBDIR}/runs$$x"
[tasks.intent]
head = "sequence_classification"
[data]
format = "tsv"
train = "${MTLAB_TEST_DATA_ROOT}/sst2/train"
)");
  spec::LoadOptions options;
  options.check_files = false;
  const auto t = only_trial(file, options);
  CHECK(t.config["data"]["train"] == "/data/root/sst2/train");
  // A relative value at the start of a path is relative to the current folder, where the
  // variable was set (MTLAB_DATA=../shared/data), not to the spec's folder.
  CHECK(t.config["experiment"]["output"] == (std::filesystem::current_path() / "sub" / "runs$x").string());
}

TEST_CASE("A trial's TOML text loads back to the same config and hash", "[spec][hash]") {
  const auto dir = test::scratch_dir("spec_roundtrip");
  write_file(dir, "train.tsv", "a\t1\n");
  const auto t = only_trial(write_file(dir, "exp.toml", test::kMinimalSpec + "[training]\nfreeze = \"head:slots\"\n"));
  const auto again = only_trial(write_file(dir, "resolved.toml", t.toml));
  CHECK(again.json == t.json);
  CHECK(again.hash == t.hash);
}

TEST_CASE("Params flatten tables into typed dotted keys", "[spec]") {
  const auto dir = test::scratch_dir("spec_params");
  const auto t = only_trial(write_file(dir, "exp.toml", test::kMinimalSpec));
  auto find = [&](const std::string& key) {
    auto it = std::find_if(t.params.begin(), t.params.end(), [&](const spec::Param& p) { return p.key == key; });
    REQUIRE(it != t.params.end());
    return *it;
  };
  CHECK(find("training.batch_size").type() == "integer");
  CHECK(find("optimizer.lr").type() == "real");
  CHECK(find("optimizer.lr").text() == "5e-05");
  CHECK(find("training.freeze").type() == "text");
  CHECK(find("training.freeze").text() == "none");
  CHECK(find("training.early_stopping").type() == "boolean");
  CHECK(find("tasks.intent.metrics").type() == "json");
  CHECK(std::is_sorted(t.params.begin(), t.params.end(), [](const auto& a, const auto& b) { return a.key < b.key; }));
}
