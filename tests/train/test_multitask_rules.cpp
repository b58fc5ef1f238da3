// Heterogeneous multi-task rules: task sampling proportions, uncertainty
// weighting, gradual unfreezing.
#include <catch2/catch.hpp>

#include "training_fixture.h"

using namespace mtlab;
using Catch::Matchers::Contains;

namespace {
std::vector<double> shares(const std::vector<std::size_t>& order, std::size_t n) {
  std::vector<double> out(n, 0.0);
  for (auto d : order) out[d] += 1.0 / static_cast<double>(order.size());
  return out;
}
}  // namespace

TEST_CASE("each sampling rule draws tasks in its stated proportions", "[train][sampling]") {
  const std::vector<std::size_t> batches{900, 100};  // e.g. CoNLL-size and SST-size
  std::mt19937_64 rng(1);
  SamplingOptions o;
  o.steps_per_epoch = 20000;

  o.rule = SamplingRule::round_robin;
  auto order = interleave_datasets(batches, o, rng);
  CHECK(order.size() == 20000);
  CHECK(order[0] == 0);
  CHECK(order[1] == 1);
  CHECK(shares(order, 2)[1] == Approx(0.5));

  o.rule = SamplingRule::proportional;
  CHECK(shares(interleave_datasets(batches, o, rng), 2)[0] == Approx(0.9).margin(0.01));

  o.rule = SamplingRule::temperature;
  o.temperature = 2.0;  // ∝ sqrt(size): 30 : 10
  CHECK(shares(interleave_datasets(batches, o, rng), 2)[0] == Approx(0.75).margin(0.01));
  o.temperature = 1000.0;  // nearly uniform
  CHECK(shares(interleave_datasets(batches, o, rng), 2)[0] == Approx(0.5).margin(0.02));

  o.steps_per_epoch = 0;  // an epoch is every task's batches once, in total
  CHECK(interleave_datasets(batches, o, rng).size() == 1000);
}

TEST_CASE("uncertainty weighting learns and records one log-variance per task", "[train][weighting]") {
  auto setup = test::make_tiny_setup();
  test::MemoryRecorder recorder;
  auto inputs = setup.inputs("none");
  TrainerOptions o;
  o.epochs = 2;
  o.batch_size = 16;
  o.save = SaveModel::none;
  o.progress = false;
  o.weighting.method = WeightingMethod::uncertainty;
  o.log_every = 1;
  train(inputs, o, recorder);
  std::map<std::string, std::vector<double>> series;
  for (const auto& r : recorder.rows) {
    if (r.name == "log_variance") series[r.task].push_back(r.value);
  }
  REQUIRE(series.size() == 2);
  for (const auto& [task, values] : series) {
    INFO(task);
    CHECK(values.front() == Approx(0.0).margin(1e-6));  // init_log_variance
    CHECK(values.back() != Approx(values.front()).margin(1e-4));  // learned
  }
}

TEST_CASE("gradual unfreezing adds groups top-down at the stated times, waiting groups stay bit-identical",
          "[train][unfreeze]") {
  CHECK(unfreeze_groups(BlockLayout({"embeddings", "layer.0", "layer.1", "layer.2", "pooler"}, 3), 2) ==
        std::vector<std::vector<std::string>>{{"pooler", "layer.2", "layer.1"}, {"layer.0"}, {"embeddings"}});

  auto setup = test::make_tiny_setup();
  auto before = test::parameter_copy(*setup.model);
  test::MemoryRecorder recorder;
  auto inputs = setup.inputs("none");
  TrainerOptions o;
  o.epochs = 2;  // 160 examples / 16 = 10 steps an epoch
  o.batch_size = 16;
  o.save = SaveModel::none;
  o.progress = false;
  o.unfreeze.every = 1;
  o.unfreeze.unit = UnfreezeUnit::epochs;
  train(inputs, o, recorder);
  // Groups: {pooler, layer.1}, {layer.0}, {embeddings}. After epoch 1 the first
  // joins, after epoch 2 the second: the embeddings never trained.
  CHECK(recorder.facts.at("unfreeze.joined.pooler") == "10");
  CHECK(recorder.facts.at("unfreeze.joined.layer.1") == "10");
  CHECK(recorder.facts.at("unfreeze.joined.layer.0") == "20");
  CHECK(recorder.facts.count("unfreeze.joined.embeddings") == 0);
  for (const auto& item : setup.model->named_parameters()) {
    const bool same = torch::equal(item.value(), before.at(item.key()));
    INFO(item.key());
    if (item.key().find("embeddings") != std::string::npos) {
      CHECK(same);  // never joined
    } else if (item.key().find("layer.1.") != std::string::npos || item.key().find("heads.") != std::string::npos) {
      CHECK_FALSE(same);  // trained
    }
  }

  auto frozen = test::make_tiny_setup();
  auto bad = frozen.inputs("backbone");
  CHECK_THROWS_WITH(train(bad, o, recorder), Contains("unfreeze.every needs training.freeze = \"none\""));
}

TEST_CASE("block roles come from the backbone's names: freezing and unfreezing need no BERT names",
          "[train][freeze][blocks]") {
  const BlockLayout blocks({"embed", "conv0", "conv1", "proj"}, 2);
  CHECK(blocks.input() == "embed");
  CHECK(blocks.layers() == std::vector<std::string>{"conv0", "conv1"});
  CHECK(blocks.top() == std::vector<std::string>{"proj"});
  CHECK(blocks.role("conv1") == BlockLayout::Role::layer);
  CHECK(blocks.role("proj") == BlockLayout::Role::top);
  CHECK(blocks.role("head.intent") == BlockLayout::Role::other);
  CHECK(blocks.layer_index("conv1") == 1);
  CHECK(blocks.layer_index("proj") == -1);
  const std::vector<std::string> tasks{"intent"};
  CHECK(FreezePolicy::parse("embeddings", tasks, 2).frozen_blocks(blocks) == std::vector<std::string>{"embed"});
  CHECK(FreezePolicy::parse("layers:1", tasks, 2).frozen_blocks(blocks) == std::vector<std::string>{"embed", "conv0"});
  CHECK(FreezePolicy::parse("backbone", tasks, 2).frozen_blocks(blocks) == blocks.names());
  CHECK(unfreeze_groups(blocks, 1) ==
        std::vector<std::vector<std::string>>{{"proj", "conv1"}, {"conv0"}, {"embed"}});
  CHECK_THROWS_WITH(BlockLayout({"embed", "conv0"}, 2), Contains("must name at least 3 blocks"));
  CHECK_THROWS_WITH(BlockLayout({"embed", "conv0", "conv0"}, 2), Contains("names a block twice"));
}
