// The training loop on a tiny real model: freeze policies hold bit for bit,
// runs repeat exactly, and a non-finite loss fails with its step.
#include <catch2/catch.hpp>

#include "training_fixture.h"

using namespace mtlab;
using Catch::Matchers::Contains;

namespace {

TrainerOptions quick_options() {
  TrainerOptions o;
  o.epochs = 1;
  o.batch_size = 16;
  o.save = SaveModel::none;
  o.progress = false;
  o.seed = 11;
  return o;
}

}  // namespace

TEST_CASE("every freeze policy leaves frozen tensors bit-identical and changes every trainable one", "[train][freeze]") {
  for (const std::string policy : {"none", "all", "backbone", "embeddings", "layers:1", "head:intent", "head:slots"}) {
    DYNAMIC_SECTION("freeze = " << policy) {
      auto setup = test::make_tiny_setup();
      auto before = test::parameter_copy(*setup.model);
      test::MemoryRecorder recorder;
      auto inputs = setup.inputs(policy);
      train(inputs, quick_options(), recorder);

      std::int64_t frozen = 0, trainable = 0;
      for (const auto& item : setup.model->named_parameters()) {
        const bool same = torch::equal(item.value(), before.at(item.key()));
        if (item.value().requires_grad()) {
          ++trainable;
          INFO(item.key() << " should have changed");
          CHECK_FALSE(same);
        } else {
          ++frozen;
          INFO(item.key() << " should be bit-identical");
          CHECK(same);
        }
      }
      CHECK(recorder.facts.at("freeze.checksum_start") == recorder.facts.at("freeze.checksum_end"));
      CHECK(std::stoll(recorder.facts.at("freeze.trainable_parameters")) +
                std::stoll(recorder.facts.at("freeze.frozen_parameters")) ==
            [&] {
              std::int64_t n = 0;
              for (const auto& p : setup.model->parameters()) n += p.numel();
              return n;
            }());
      // Per block: the counts add up to the model, and every frozen block kept its checksum.
      std::int64_t block_total = 0;
      for (const auto& block : setup.model->block_names()) {
        const std::string key = "freeze.block." + block;
        INFO(key);
        const auto frozen_in_block = std::stoll(recorder.facts.at(key + ".frozen"));
        block_total += std::stoll(recorder.facts.at(key + ".trainable")) + frozen_in_block;
        CHECK(recorder.facts.count(key + ".checksum_start") == (frozen_in_block > 0 ? 1u : 0u));
        if (frozen_in_block > 0) CHECK(recorder.facts.at(key + ".checksum_start") == recorder.facts.at(key + ".checksum_end"));
      }
      CHECK(block_total == std::stoll(recorder.facts.at("freeze.trainable_parameters")) +
                               std::stoll(recorder.facts.at("freeze.frozen_parameters")));
      if (policy == "embeddings") CHECK(std::stoll(recorder.facts.at("freeze.block.layer.0.frozen")) == 0);
      if (policy == "none") CHECK(frozen == 0);
      if (policy == "all") CHECK(trainable == 0);
      if (policy == "embeddings") CHECK(frozen == 5);  // word, position, type embeddings + LayerNorm weight, bias
      // Every policy still evaluates and records test metrics (so "all" is the baseline row).
      bool has_test_accuracy = false;
      for (const auto& r : recorder.rows) has_test_accuracy |= (r.split == "test" && r.task == "intent" && r.name == "accuracy");
      CHECK(has_test_accuracy);
    }
  }
}

TEST_CASE("frozen modules stay in eval mode while the rest trains", "[train][freeze]") {
  auto setup = test::make_tiny_setup();
  apply_freeze(*setup.model, FreezePolicy::parse("layers:1", {"intent", "slots"}, 2));
  setup.model->train(true);
  for (const auto& item : setup.model->named_modules()) {
    const std::string& name = item.key();
    if (name == "backbone.embeddings" || name == "backbone.encoder.layer.0") {
      INFO(name);
      CHECK_FALSE(item.value()->is_training());
    }
    if (name == "backbone.encoder.layer.1" || name == "heads.intent") {
      INFO(name);
      CHECK(item.value()->is_training());
    }
  }
}

TEST_CASE("freeze policies are parsed with clear errors", "[train][freeze]") {
  const std::vector<std::string> tasks{"intent", "slots"};
  CHECK(FreezePolicy::parse("layers:2", tasks, 4).frozen_blocks(BlockLayout(
            {"embeddings", "layer.0", "layer.1", "layer.2", "layer.3", "pooler"}, 4)) ==
        std::vector<std::string>{"embeddings", "layer.0", "layer.1"});
  CHECK(FreezePolicy::parse("layers:0", tasks, 4).frozen_prefix_layers(4) == 0);
  CHECK(FreezePolicy::parse("backbone", tasks, 4).frozen_prefix_layers(4) == 4);
  CHECK(FreezePolicy::parse("none", tasks, 4).frozen_prefix_layers(4) == -1);
  // The spec's text (mtlab/options/freeze_spec.h), after the location the trainer was given.
  CHECK_THROWS_WITH(FreezePolicy::parse("layers:9", tasks, 4),
                    "training.freeze: 'layers:9': K must be an integer in [0, 4] (the backbone's encoder layers)");
  CHECK_THROWS_WITH(FreezePolicy::parse("head:intnt", tasks, 4, "exp.toml:3:1"),
                    "exp.toml:3:1: 'head:intnt': no task named 'intnt' (did you mean 'intent'?); tasks: intent, slots");
  CHECK_THROWS_WITH(FreezePolicy::parse("bacbone", tasks, 4),
                    "training.freeze: 'bacbone' is not a freeze policy, expected none | all | backbone | embeddings | "
                    "layers:K | head:NAME (did you mean 'backbone'?)");
}

TEST_CASE("the same seed and thread count give the same metrics, run after run", "[train][determinism]") {
  auto run_once = [] {
    auto setup = test::make_tiny_setup(7);
    test::MemoryRecorder recorder;
    auto inputs = setup.inputs("none");
    train(inputs, quick_options(), recorder);
    return recorder.rows;
  };
  const auto a = run_once();
  const auto b = run_once();
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() > 20);
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].split << "." << a[i].task << "." << a[i].name << " at step " << a[i].step);
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].value == b[i].value);  // exactly
  }
}

TEST_CASE("training improves over the untrained model", "[train]") {
  auto setup = test::make_tiny_setup(3, 400);
  test::MemoryRecorder recorder;
  auto inputs = setup.inputs("none");
  auto options = quick_options();
  options.epochs = 6;
  const auto result = train(inputs, options, recorder);
  double first_loss = -1, last_loss = -1;
  for (const auto& r : recorder.rows) {
    if (r.split == "train" && r.task.empty() && r.name == "loss") {
      if (first_loss < 0) first_loss = r.value;
      last_loss = r.value;
    }
  }
  CHECK(last_loss < 0.7 * first_loss);
  WARN("test: intent accuracy " << result.test.at("intent.accuracy") << ", slot F1 " << result.test.at("slots.span_f1"));
  CHECK(result.test.at("slots.token_accuracy") > 0.6);
}

TEST_CASE("a non-finite loss fails the run with its step", "[train]") {
  auto setup = test::make_tiny_setup();
  {
    torch::NoGradGuard guard;
    for (auto& p : setup.model->head("intent").parameters()) p.fill_(std::numeric_limits<float>::quiet_NaN());
  }
  test::MemoryRecorder recorder;
  auto inputs = setup.inputs("none");
  CHECK_THROWS_WITH(train(inputs, quick_options(), recorder),
                    Contains("non-finite loss at step 1") && Contains("intent=nan"));
}

TEST_CASE("a policy other than all that leaves nothing trainable is refused", "[train][freeze]") {
  auto setup = test::make_tiny_setup();
  // A model without heads whose backbone is frozen would learn nothing.
  auto headless = std::make_shared<MultiTaskModel>(setup.model->backbone_ptr(),
                                                   std::vector<std::pair<std::string, std::shared_ptr<Head>>>{});
  CHECK_THROWS_WITH(apply_freeze(*headless, FreezePolicy::parse("backbone", {}, 2)),
                    Contains("leaves no parameter trainable"));
}
