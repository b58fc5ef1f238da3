// End to end: `mtlab run` pretrains a small BERT with a masked-LM task on the
// ATIS training text (sharing [data] with nothing), records loss and masked
// accuracy per step, saves a BertForMaskedLM folder; a second experiment
// fine-tunes from it with backbone.from_run and starts from its encoder.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include <torch/torch.h>

#include "e2e_helpers.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using mtlab::storage::Database;
using mtlab::test::run_command;
namespace fs = std::filesystem;

namespace {

const char* kPretrain = R"toml(
[experiment]
name = "mlm-pretrain"
seed = 3
database = "results.db"
output = "runs"

[backbone]
plugin = "bert"
max_length = 48

[backbone.init]
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
max_position_embeddings = 64

[tasks.mlm]
head = "masked_lm"

[tasks.mlm.masking]
whole_word = true

[tasks.intent]
head = "sequence_classification"

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
limit_train = 256
limit_dev = 64

[optimizer]
lr = 2e-3

[training]
epochs = 2
batch_size = 32
metric = "dev.mlm.perplexity"
)toml";

// The same data; lr = 0 keeps the transferred encoder as it came.
const char* kFinetune = R"toml(
[experiment]
name = "mlm-finetune"
seed = 3
database = "results.db"
output = "runs"

[backbone]
plugin = "bert"
from_run = "mlm-pretrain/default"
max_length = 48

[tasks.intent]
head = "sequence_classification"

[data]
format = "joint"
train = "${MTLAB_DATA}/atis/train"
dev = "${MTLAB_DATA}/atis/dev"
limit_train = 64
limit_dev = 32

[optimizer]
lr = 0.0

[training]
epochs = 1
batch_size = 32
)toml";

std::string command(const fs::path& dir, const std::string& spec) {
  return mtlab::test::mtlab_command(dir, "run " + spec + " --no-progress");
}

// The saved model folder of the run of `experiment` (its heads.json names the trial's tasks).
fs::path model_folder(const Database& db, const fs::path& dir, const std::string& experiment) {
  auto t = mtlab::storage::run_read_only_query(
      db, "SELECT a.path FROM artifacts a JOIN runs r ON r.id = a.run_id JOIN experiments e ON e.id = r.experiment_id "
          "WHERE e.name = '" + experiment + "' AND a.path LIKE '%model.safetensors'");
  REQUIRE(t.rows.size() == 1);
  const fs::path file = std::get<std::string>(t.rows.at(0).at(0));
  return (file.is_relative() ? dir / file : file).parent_path();
}

std::int64_t count(const Database& db, const std::string& sql) {
  return std::get<std::int64_t>(mtlab::storage::run_read_only_query(db, sql).rows.at(0).at(0));
}

}  // namespace

TEST_CASE("a masked-LM pretraining run saves BertForMaskedLM and from_run fine-tunes its encoder", "[e2e][mlm]") {
  const auto dir = mtlab::test::scratch_dir("mlm_e2e");
  std::ofstream(dir / "pretrain.toml") << kPretrain;
  std::ofstream(dir / "finetune.toml") << kFinetune;
  auto pretrain = run_command(command(dir, "pretrain.toml"));
  INFO(pretrain.output);
  REQUIRE(pretrain.exit_code == 0);

  const auto db = Database::open_read_only(dir / "results.db");
  // The mlm task has its own copy of the text: 8 batches of it and 8 of intent's an epoch, drawn in proportion.
  const auto mlm_steps = count(db, "SELECT count(*) FROM metrics WHERE task = 'mlm' AND split = 'train' AND name = 'loss'");
  CHECK(mlm_steps > 0);
  CHECK(mlm_steps + count(db, "SELECT count(*) FROM metrics WHERE task = 'intent' AND split = 'train' AND name = "
                              "'loss'") == 32);
  CHECK(count(db, "SELECT count(*) FROM metrics WHERE task = 'mlm' AND split = 'train' AND name = 'masked_accuracy'") ==
        mlm_steps);
  CHECK(count(db, "SELECT count(*) FROM metrics WHERE task = 'mlm' AND split = 'dev' AND name = 'perplexity'") >= 2);
  CHECK(count(db, "SELECT count(*) FROM metrics WHERE task = 'intent' AND split = 'dev' AND name = 'accuracy'") >= 2);

  const fs::path pretrained = model_folder(db, dir, "mlm-pretrain");
  const auto config = nlohmann::json::parse(std::ifstream(pretrained / "config.json"));
  CHECK(config.at("architectures") == nlohmann::json::array({"BertForMaskedLM"}));
  const auto heads = nlohmann::json::parse(std::ifstream(pretrained / "heads.json"));
  std::map<std::string, bool> masked;
  for (const auto& t : heads.at("tasks")) masked[t.at("name")] = t.value("masked_lm", false);
  CHECK(masked == std::map<std::string, bool>{{"intent", false}, {"mlm", true}});

  auto finetune = run_command(command(dir, "finetune.toml"));
  INFO(finetune.output);
  REQUIRE(finetune.exit_code == 0);
  const auto db2 = Database::open_read_only(dir / "results.db");
  const fs::path tuned = model_folder(db2, dir, "mlm-finetune");
  const auto tuned_config = nlohmann::json::parse(std::ifstream(tuned / "config.json"));
  CHECK(tuned_config.at("architectures") == nlohmann::json::array({"BertModel"}));  // the MLM head is not carried

  // lr = 0: the fine-tuned encoder is the pretrained one, tensor for tensor.
  auto a = mtlab::io::SafetensorsFile::open(pretrained / "model.safetensors");
  auto b = mtlab::io::SafetensorsFile::open(tuned / "model.safetensors");
  std::size_t compared = 0;
  for (const auto& t : b.tensors()) {
    INFO(t.name);
    REQUIRE(a.contains("bert." + t.name));
    CHECK(torch::equal(a.load("bert." + t.name), b.load(t.name)));
    ++compared;
  }
  CHECK(compared == a.tensors().size() - 7);  // all but cls.predictions.*
  CHECK(count(db2, "SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = "
                   "'mlm-finetune' AND r.parent_run_id IS NOT NULL") == 1);
}
