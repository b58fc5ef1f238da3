// Parameter groups: per-group rates, layer-wise decay, no decay on biases and
// LayerNorm, every trainable parameter exactly once; schedules.
#include <catch2/catch.hpp>

#include <set>

#include "training_fixture.h"

using namespace mtlab;
using Catch::Matchers::Contains;

namespace {

std::map<std::string, double> lr_by_group(const std::vector<ParamGroup>& groups) {
  std::map<std::string, double> out;
  for (const auto& g : groups) out[g.name] = g.lr;
  return out;
}

}  // namespace

TEST_CASE("layer-wise decay lands on the right parameters (ELECTRA convention)", "[train][groups]") {
  auto setup = test::make_tiny_setup();
  ParamGroupOptions o;
  o.lr = 1.0;
  o.layer_decay = 0.5;
  const auto lr = lr_by_group(build_param_groups(*setup.model, o));
  // L = 2 layers: layer i gets 0.5^(2 - i), the embeddings 0.5^3, pooler and heads the full rate.
  CHECK(lr.at("embeddings") == Approx(0.125));
  CHECK(lr.at("layer.0") == Approx(0.25));
  CHECK(lr.at("layer.1") == Approx(0.5));
  CHECK(lr.at("pooler") == Approx(1.0));
  CHECK(lr.at("head.intent") == Approx(1.0));
  CHECK(lr.at("layer.0.no_decay") == Approx(0.25));
}

TEST_CASE("the seed's per-group rates are one line, narrower groups win", "[train][groups]") {
  auto setup = test::make_tiny_setup();
  ParamGroupOptions o;
  o.lr = 1e-4;
  o.groups["backbone"] = {1e-6, std::nullopt};
  o.groups["heads"] = {5e-3, std::nullopt};
  o.groups["intent"] = {1e-2, 0.0};
  o.groups["pooler"] = {2e-6, std::nullopt};
  std::vector<GroupSummary> summary;
  const auto groups = build_param_groups(*setup.model, o, &summary);
  const auto lr = lr_by_group(groups);
  CHECK(lr.at("embeddings") == Approx(1e-6));
  CHECK(lr.at("layer.1") == Approx(1e-6));
  CHECK(lr.at("pooler") == Approx(2e-6));
  CHECK(lr.at("head.slots") == Approx(5e-3));
  CHECK(lr.at("head.intent") == Approx(1e-2));
  for (const auto& g : groups) {
    if (g.name == "head.intent") CHECK(g.weight_decay == 0.0);
  }
  // The optimizer the plugin builds carries exactly these rates.
  auto optimizer = setup.optimizer->make(groups);
  REQUIRE(optimizer->param_groups().size() == groups.size());
  for (std::size_t i = 0; i < groups.size(); ++i) {
    CHECK(optimizer->param_groups()[i].options().get_lr() == Approx(groups[i].lr));
  }
  CHECK(summary.size() == groups.size());
}

TEST_CASE("every trainable parameter lands in exactly one group, biases and LayerNorm get no decay",
          "[train][groups]") {
  auto setup = test::make_tiny_setup();
  ParamGroupOptions o;
  o.weight_decay = 0.01;
  auto groups = build_param_groups(*setup.model, o);
  std::set<const void*> seen;
  std::size_t count = 0;
  for (const auto& g : groups) {
    for (const auto& p : g.params) {
      CHECK(seen.insert(p.unsafeGetTensorImpl()).second);
      ++count;
    }
    if (g.name.size() > 9 && g.name.substr(g.name.size() - 9) == ".no_decay") {
      CHECK(g.weight_decay == 0.0);
    } else {
      CHECK(g.weight_decay == Approx(0.01));
    }
  }
  CHECK(count == setup.model->parameters().size());
  for (const auto& item : setup.model->named_parameters()) {
    const bool no_decay = item.key().find("LayerNorm") != std::string::npos ||
                          item.key().substr(item.key().size() - 4) == "bias";
    bool in_no_decay = false;
    for (const auto& g : groups) {
      for (const auto& p : g.params) {
        if (p.unsafeGetTensorImpl() == item.value().unsafeGetTensorImpl()) {
          in_no_decay = g.name.find(".no_decay") != std::string::npos;
        }
      }
    }
    INFO(item.key());
    CHECK(in_no_decay == no_decay);
  }

  // Frozen parameters are left out.
  apply_freeze(*setup.model, FreezePolicy::parse("backbone", {"intent", "slots"}, 2));
  for (const auto& g : build_param_groups(*setup.model, o)) CHECK(g.name.rfind("head.", 0) == 0);

  o.groups["encoders"] = {1e-3, std::nullopt};
  CHECK_THROWS_WITH(build_param_groups(*setup.model, o), Contains("optimizer.groups.encoders: no such group"));
}

TEST_CASE("schedules: warm-up then constant, linear or cosine", "[train][schedule]") {
  Schedule linear{ScheduleKind::linear, 10, 110};
  CHECK(linear.factor(0) == Approx(0.1));
  CHECK(linear.factor(9) == Approx(1.0));
  CHECK(linear.factor(10) == Approx(1.0));
  CHECK(linear.factor(60) == Approx(0.5));
  CHECK(linear.factor(110) == Approx(0.0));
  Schedule cosine{ScheduleKind::cosine, 0, 100};
  CHECK(cosine.factor(50) == Approx(0.5));
  CHECK(cosine.factor(100) == Approx(0.0).margin(1e-12));
  Schedule constant{ScheduleKind::constant, 5, 100};
  CHECK(constant.factor(2) == Approx(0.6));
  CHECK(constant.factor(99) == Approx(1.0));
  CHECK(warmup_steps(0.1, 200) == 20);
  CHECK(warmup_steps(30, 200) == 30);
  CHECK(warmup_steps(0, 200) == 0);
}
