// Trials through the real trainer with and without the frozen-prefix cache, on
// an ATIS slice: the same results, each prefix computed once per input across
// trials that share it, and the size limit's fallback.
#include <catch2/catch.hpp>

#include <set>

#include "mtlab/train/frozen_prefix_cache.h"
#include "test_frozen_cache_fixture.h"

using namespace mtlab;
using namespace mtlab::test;

namespace {

struct Trial {
  std::vector<MemoryRecorder::Row> rows;
  std::map<std::string, std::string> facts;
};

Trial run(const std::string& freeze, FrozenPrefixCache* cache, std::uint64_t weights_seed = 3) {
  auto setup = atis_setup(weights_seed);
  TrainInputs in = setup.inputs(freeze);
  in.frozen_cache = cache;
  TrainerOptions o;
  o.epochs = 3;
  o.batch_size = 16;
  o.eval_every = 5;
  o.metric = "dev.loss";
  o.save = SaveModel::none;
  o.seed = 7;
  o.progress = false;
  MemoryRecorder recorder;
  train(in, o, recorder);
  return {recorder.rows, recorder.facts};
}

// Every recorded loss and metric, bit for bit: a frozen prefix's states are a
// function of the example alone, whether they come from the cache or not.
void require_same_results(const Trial& cached, const Trial& uncached) {
  REQUIRE(cached.rows.size() == uncached.rows.size());
  for (std::size_t i = 0; i < cached.rows.size(); ++i) {
    const auto& c = cached.rows[i];
    const auto& u = uncached.rows[i];
    INFO(u.split << " " << u.task << " " << u.name << " at step " << u.step << ": " << c.value << " vs " << u.value);
    REQUIRE((c.task == u.task && c.split == u.split && c.name == u.name && c.step == u.step));
    REQUIRE(c.value == u.value);
  }
  CHECK(cached.facts.at("freeze.checksum_end") == uncached.facts.at("freeze.checksum_end"));
}

std::size_t distinct_inputs(const std::vector<const TokenizedSplit*>& splits) {
  std::set<std::vector<std::int64_t>> seen;
  for (const auto* split : splits) {
    for (const auto& e : split->encodings) seen.insert(e.input_ids);
  }
  return seen.size();
}

}  // namespace

TEST_CASE("a trial with the frozen-prefix cache records the same results as without it", "[frozen_cache]") {
  const std::string freeze = GENERATE(std::string("backbone"), std::string("layers:1"), std::string("all"));
  const Trial uncached = run(freeze, nullptr);
  FrozenPrefixCache cache;
  const Trial cached = run(freeze, &cache);
  INFO("freeze = " << freeze);
  CHECK(uncached.facts.at("frozen_cache") == "off");
  CHECK(cached.facts.at("frozen_cache").rfind("on:", 0) == 0);
  // `all` takes no step: dev and test are encoded once each, so nothing is reused.
  CHECK((freeze == "all" ? cache.stats().computed : cache.stats().reused) > 0);
  require_same_results(cached, uncached);
}

TEST_CASE("a frozen prefix is computed once per input across the trials that share it", "[frozen_cache]") {
  FrozenPrefixCache cache;
  const auto data = atis_setup().datasets.at(0);
  // One entry per distinct sentence, shared by training and evaluation.
  const auto per_prefix =
      static_cast<std::int64_t>(distinct_inputs({&data.train_tokens, &data.dev_tokens, &data.test_tokens}));

  const Trial first = run("backbone", &cache);
  CHECK(cache.stats().computed == per_prefix);
  CHECK(first.facts.at("frozen_cache.inputs_computed") != "0");

  // Same weights (same seed), same K: nothing new to compute.
  const Trial second = run("backbone", &cache);
  CHECK(cache.stats().computed == per_prefix);
  CHECK(second.facts.at("frozen_cache.inputs_computed") == "0");
  CHECK(second.facts.at("frozen_cache") == first.facts.at("frozen_cache"));

  // Another depth over the same weights, and other weights: new prefixes.
  run("layers:1", &cache);
  CHECK(cache.stats().computed == 2 * per_prefix);
  run("backbone", &cache, /*weights_seed=*/4);
  CHECK(cache.stats().computed == 3 * per_prefix);
  CHECK(cache.prefixes() == 3);
}

TEST_CASE("past its size limit the cache computes the rest at every use, with the same results", "[frozen_cache]") {
  const Trial uncached = run("backbone", nullptr);

  FrozenPrefixCache small(64 * 1024);  // about a tenth of what the trial's inputs need
  const Trial limited = run("backbone", &small);
  CHECK(small.stats().uncached > 0);
  CHECK(small.stats().computed > 0);
  CHECK(small.bytes() <= small.limit_bytes());
  require_same_results(limited, uncached);

  // No room at all: every use runs the prefix, exactly as without a cache.
  FrozenPrefixCache none(0);
  const Trial computed = run("backbone", &none);
  CHECK(none.stats().computed == 0);
  CHECK(none.stats().reused == 0);
  REQUIRE(computed.rows.size() == uncached.rows.size());
  for (std::size_t i = 0; i < computed.rows.size(); ++i) REQUIRE(computed.rows[i].value == uncached.rows[i].value);
}
