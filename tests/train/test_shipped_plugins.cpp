// Each shipped head, loss and optimizer plugin, loaded from its .so and checked
// against a hand-computed or LibTorch-computed value.
#include <catch2/catch.hpp>

#include "training_fixture.h"

using namespace mtlab;
using Catch::Matchers::Contains;

namespace {
Config config(const char* json) { return Config(nlohmann::json::parse(json), "[test]"); }
std::shared_ptr<Loss> loss(const std::string& name, const char* json = "{}") {
  return test::shipped_plugins().create<Loss>(plugin::Kind::loss, name, config(json));
}
}  // namespace

TEST_CASE("cross_entropy ignores -100 targets, smooths labels and weighs classes", "[plugins][loss]") {
  const auto logits = torch::tensor({2.0, 0.5, -1.0, 0.0, 1.0, 0.3, 1.5, -0.5, 0.2}).view({3, 3});
  const auto targets = torch::tensor({0, -100, 2}, torch::kLong);
  const auto kept = torch::tensor({0, 2}, torch::kLong);
  const auto expected = torch::nn::functional::cross_entropy(logits.index({kept}), torch::tensor({0, 2}, torch::kLong));
  CHECK(loss("cross_entropy")->compute(logits, targets).item<double>() == Approx(expected.item<double>()));

  // Label smoothing 0.1 by hand: (1-ε)·NLL + ε·mean(-log p) over the kept rows.
  auto logp = torch::log_softmax(logits.index({kept}), -1);
  const double nll = -(logp[0][0].item<double>() + logp[1][2].item<double>()) / 2;
  const double uniform = -logp.mean(-1).mean().item<double>();
  CHECK(loss("cross_entropy", R"({"label_smoothing": 0.1})")->compute(logits, targets).item<double>() ==
        Approx(0.9 * nll + 0.1 * uniform));

  // Class weights: a weighted mean.
  const double w = loss("cross_entropy", R"({"class_weights": [1.0, 1.0, 3.0]})")->compute(logits, targets).item<double>();
  CHECK(w == Approx((-logp[0][0].item<double>() - 3.0 * logp[1][2].item<double>()) / 4.0));
  CHECK_THROWS_WITH(loss("cross_entropy", R"({"class_weights": [1.0]})")->compute(logits, targets),
                    Contains("class_weights has 1 entries but the task has 3 labels"));
  CHECK_THROWS_WITH(loss("cross_entropy", R"({"class_weights": [1.0]})")->target_weight(targets),
                    Contains("class_weights has 1 entries but a target is label 2"));

  // Token-level shapes [B, T, C] and all-ignored batches.
  CHECK(loss("cross_entropy")->compute(logits.view({1, 3, 3}), targets.view({1, 3})).item<double>() ==
        Approx(expected.item<double>()));
  CHECK(loss("cross_entropy")->compute(logits, torch::full({3}, -100, torch::kLong)).item<double>() == 0.0);
  CHECK_THROWS_WITH(loss("cross_entropy")->compute(logits, torch::tensor({0, 1, 7}, torch::kLong)),
                    Contains("target ids must lie in [0, 3)"));
}

TEST_CASE("bce_with_logits scores one-hot targets, focal down-weights easy examples", "[plugins][loss]") {
  const auto logits = torch::tensor({2.0, -1.0, 0.5, 0.0}).view({2, 2});
  const auto targets = torch::tensor({0, 1}, torch::kLong);
  const auto one_hot = torch::tensor({1.0, 0.0, 0.0, 1.0}).view({2, 2});
  CHECK(loss("bce_with_logits")->compute(logits, targets).item<double>() ==
        Approx(torch::nn::functional::binary_cross_entropy_with_logits(logits, one_hot).item<double>()));

  // gamma = 0 is cross-entropy; gamma > 0 is smaller.
  const double ce = loss("cross_entropy")->compute(logits, targets).item<double>();
  CHECK(loss("focal", R"({"gamma": 0.0})")->compute(logits, targets).item<double>() == Approx(ce));
  CHECK(loss("focal", R"({"gamma": 2.0})")->compute(logits, targets).item<double>() < ce);
}

TEST_CASE("sequence and token heads give logits of the right shape, pooling choices differ", "[plugins][head]") {
  auto& registry = test::shipped_plugins();
  EncoderOutput encoded;
  torch::manual_seed(1);
  encoded.token_states = torch::randn({2, 4, 8});
  encoded.pooled = torch::randn({2, 8});
  encoded.attention_mask = torch::tensor({1, 1, 1, 0, 1, 1, 1, 1}, torch::kLong).view({2, 4});
  std::map<std::string, at::Tensor> by_pooling;
  for (const std::string pooling : {"pooler", "cls", "mean"}) {
    torch::manual_seed(2);
    auto head = registry.create<Head>(plugin::Kind::head, "sequence_classification",
                                      config(("{\"pooling\": \"" + pooling + "\", \"hidden_layers\": [6]}").c_str()));
    head->build(8, 3);
    head->eval();
    by_pooling[pooling] = head->forward(encoded);
    CHECK(by_pooling[pooling].sizes() == at::IntArrayRef({2, 3}));
  }
  CHECK_FALSE(torch::allclose(by_pooling["pooler"], by_pooling["cls"]));
  CHECK_FALSE(torch::allclose(by_pooling["cls"], by_pooling["mean"]));
  auto token = registry.create<Head>(plugin::Kind::head, "token_classification", Config());
  token->build(8, 5);
  CHECK(token->level() == HeadLevel::token);
  CHECK(token->forward(encoded).sizes() == at::IntArrayRef({2, 4, 5}));
  CHECK_THROWS_WITH(registry.create<Head>(plugin::Kind::head, "sequence_classification", config(R"({"pooling": "avg"})")),
                    Contains("'avg' is not one of pooler, cls, mean"));
}

TEST_CASE("adamw, adam and sgd optimizers step with their own options", "[plugins][optimizer]") {
  auto& registry = test::shipped_plugins();
  for (const std::string name : {"adamw", "adam", "sgd"}) {
    DYNAMIC_SECTION(name) {
      auto p = torch::ones({3}).set_requires_grad(true);
      const char* options = name == "sgd" ? R"({"momentum": 0.9, "nesterov": true})" : R"({"betas": [0.8, 0.99]})";
      auto factory = registry.create<OptimizerFactory>(plugin::Kind::optimizer, name, config(options));
      auto optimizer = factory->make({ParamGroup{"g", {p}, 0.1, 0.0}});
      (p * torch::tensor({1.0, 2.0, 3.0})).sum().backward();
      optimizer->step();
      if (name == "sgd") {
        // Nesterov with momentum 0.9 on the first step: p -= lr·(g + 0.9·g).
        CHECK(p[2].item<double>() == Approx(1.0 - 0.1 * 3.0 * 1.9));
      } else {
        // Adam's first step moves every coordinate by lr (sign of the gradient).
        CHECK(p[0].item<double>() == Approx(0.9).epsilon(1e-4));
        CHECK(p[2].item<double>() == Approx(0.9).epsilon(1e-4));
      }
    }
  }
  CHECK_THROWS_WITH(registry.create<OptimizerFactory>(plugin::Kind::optimizer, "sgd", config(R"({"nesterov": true})")),
                    Contains("Nesterov momentum needs momentum > 0"));
  CHECK_THROWS_WITH(registry.create<OptimizerFactory>(plugin::Kind::optimizer, "adamw", config(R"({"betas": [0.9]})")),
                    Contains("expected two numbers in [0, 1)"));
}

// Data-parallel training scales each rank's loss by its targets' weight over the
// global batch's (Loss::target_weight, Head::loss_target_weight): for every
// shipped loss the shards' scaled losses must sum to the whole batch's loss.
TEST_CASE("each loss's target weight splits a batch's loss over shards exactly", "[plugins][loss][distributed]") {
  using torch::indexing::Slice;
  torch::manual_seed(3);
  const auto logits = torch::randn({4, 5, 3});
  auto targets = torch::randint(0, 3, {4, 5}, torch::kLong);
  targets.index_put_({0, Slice(3)}, kIgnoreIndex);  // a short sentence
  targets.index_put_({2}, kIgnoreIndex);            // a sentence without labels
  const auto a = torch::tensor({0, 2}, torch::kLong), b = torch::tensor({1, 3}, torch::kLong);
  auto split_sum = [&](auto&& compute, auto&& weight, bool by_count = false) {
    const auto ta = targets.index_select(0, a), tb = targets.index_select(0, b);
    const double wa = by_count ? labelled_targets(ta) : weight(ta), wb = by_count ? labelled_targets(tb) : weight(tb);
    return (wa * compute(logits.index_select(0, a), ta) + wb * compute(logits.index_select(0, b), tb)) / (wa + wb);
  };
  for (const char* json : {"{}", R"({"label_smoothing": 0.2})", R"({"class_weights": [1.0, 0.5, 4.0]})"}) {
    INFO("cross_entropy " << json);
    const auto ce = loss("cross_entropy", json);
    auto compute = [&](const at::Tensor& l, const at::Tensor& t) { return ce->compute(l, t).item<double>(); };
    auto weight = [&](const at::Tensor& t) { return ce->target_weight(t); };
    CHECK(split_sum(compute, weight) == Approx(compute(logits, targets)).epsilon(1e-6));
  }
  {
    // With class weights the count of labelled targets is the wrong share: the reason for target_weight.
    const auto ce = loss("cross_entropy", R"({"class_weights": [1.0, 0.5, 4.0]})");
    auto compute = [&](const at::Tensor& l, const at::Tensor& t) { return ce->compute(l, t).item<double>(); };
    auto weight = [&](const at::Tensor& t) { return ce->target_weight(t); };
    CHECK(split_sum(compute, weight, true) != Approx(compute(logits, targets)).epsilon(1e-3));
  }
  for (const auto& [name, json] : std::vector<std::pair<std::string, const char*>>{
           {"focal", R"({"gamma": 2.0, "alpha": 0.5})"}, {"bce_with_logits", R"({"pos_weight": 3.0})"}}) {
    INFO(name);
    const auto l = loss(name, json);
    auto compute = [&](const at::Tensor& x, const at::Tensor& t) { return l->compute(x, t).item<double>(); };
    auto weight = [&](const at::Tensor& t) { return l->target_weight(t); };
    CHECK(split_sum(compute, weight) == Approx(compute(logits, targets)).epsilon(1e-6));
  }
  {
    INFO("crf: a mean over the sentences with a label");
    auto crf = test::shipped_plugins().create<Head>(plugin::Kind::head, "crf",
                                                    Config(nlohmann::json{{"constrain_bio", false}}, "[test crf]"));
    crf->build(4, 3);
    auto compute = [&](const at::Tensor& x, const at::Tensor& t) { return crf->loss(x, t).item<double>(); };
    auto weight = [&](const at::Tensor& t) { return crf->loss_target_weight(t); };
    CHECK(crf->loss_target_weight(targets) == 3.0);
    CHECK(split_sum(compute, weight) == Approx(compute(logits, targets)).epsilon(1e-6));
    CHECK(split_sum(compute, weight, true) != Approx(compute(logits, targets)).epsilon(1e-3));
  }
}
