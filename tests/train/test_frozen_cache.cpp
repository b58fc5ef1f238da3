// The frozen-prefix cache on its own: storage, size limit, keys, and encoding
// through a cached prefix against the model's own forward pass.
#include <catch2/catch.hpp>

#include <set>

#include "mtlab/core/error.h"
#include "mtlab/train/freeze.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "test_frozen_cache_fixture.h"

using namespace mtlab;
using namespace mtlab::test;

namespace {

at::Tensor states(std::int64_t rows) { return torch::full({rows, 8}, static_cast<float>(rows)); }
constexpr std::size_t kRowBytes = 8 * sizeof(float);

}  // namespace

TEST_CASE("the cache stores, finds and counts states per prefix and input", "[frozen_cache]") {
  FrozenPrefixCache cache;
  CHECK_FALSE(cache.find("p", "x").defined());
  REQUIRE(cache.insert("p", "x", states(3)));
  REQUIRE(cache.insert("q", "x", states(5)));
  CHECK(torch::equal(cache.find("p", "x"), states(3)));
  CHECK(torch::equal(cache.find("q", "x"), states(5)));
  CHECK_FALSE(cache.find("p", "y").defined());
  REQUIRE(cache.insert("p", "x", states(4)));  // already there: kept, not counted again
  CHECK(torch::equal(cache.find("p", "x"), states(3)));
  CHECK(cache.stats().computed == 2);
  CHECK(cache.prefixes() == 2);
  CHECK(cache.bytes() > 8 * kRowBytes);
  cache.clear();
  CHECK(cache.bytes() == 0);
  CHECK_FALSE(cache.find("p", "x").defined());
}

TEST_CASE("over its size limit the cache drops the least recently used other prefix, then refuses", "[frozen_cache]") {
  FrozenPrefixCache cache(3000);  // room for about two entries of 40 rows
  REQUIRE(cache.insert("old", "a", states(40)));
  REQUIRE(cache.insert("recent", "a", states(40)));
  REQUIRE(cache.find("old", "a").defined());  // "old" is now the more recently used
  REQUIRE(cache.insert("new", "a", states(40)));
  CHECK(cache.stats().evicted == 1);
  CHECK_FALSE(cache.find("recent", "a").defined());
  CHECK(cache.find("old", "a").defined());
  CHECK(cache.bytes() <= cache.limit_bytes());

  // One prefix alone over the limit: the rest of its inputs stay uncached.
  cache.set_limit_bytes(2000);
  REQUIRE(cache.insert("big", "a", states(40)));  // drops "old" and "new"
  CHECK_FALSE(cache.insert("big", "b", states(40)));
  CHECK_FALSE(cache.insert("big", "c", states(40)));
  CHECK(cache.stats().uncached == 2);
  CHECK(cache.find("big", "a").defined());
  CHECK_FALSE(cache.find("big", "b").defined());
  CHECK(cache.bytes() <= cache.limit_bytes());
}

TEST_CASE("a prefix key depends on the prefix weights and K, not on the layers above", "[frozen_cache]") {
  auto s = atis_setup(3, 32);
  MultiTaskModel& model = *s.model;
  const std::string k1 = frozen_prefix_key(model, 1);
  CHECK(k1 == frozen_prefix_key(model, 1));
  CHECK(k1 != frozen_prefix_key(model, 0));
  CHECK(k1 != frozen_prefix_key(model, 2));
  {
    torch::NoGradGuard no_grad;
    model.backbone().block_parameters("layer.1").front().second.add_(1.0f);  // above the prefix
    CHECK(frozen_prefix_key(model, 1) == k1);
    model.backbone().block_parameters("layer.0").front().second.add_(1e-6f);  // inside it
    CHECK(frozen_prefix_key(model, 1) != k1);
  }
  // Another trial with the same weights shares the key; other weights do not.
  CHECK(frozen_prefix_key(*atis_setup(3, 32).model, 1) == k1);
  CHECK(frozen_prefix_key(*atis_setup(4, 32).model, 1) != k1);
  CHECK_THROWS_WITH(frozen_prefix_key(model, 3), Catch::Contains("the encoder has 2"));
}

TEST_CASE("a cached prefix refuses to cache blocks that train", "[frozen_cache]") {
  auto s = atis_setup(3, 32);
  FrozenPrefixCache cache;
  CHECK_THROWS_WITH(FrozenPrefix(&cache, *s.model, 1), Catch::Contains("is trainable"));
  apply_freeze(*s.model, FreezePolicy::parse("layers:1", {"intent", "slots"}, 2));
  CHECK_NOTHROW(FrozenPrefix(&cache, *s.model, 1));
  CHECK_THROWS_WITH(FrozenPrefix(&cache, *s.model, 2), Catch::Contains("layer.1"));
}

TEST_CASE("encoding through the cache matches the model's own pass, computed once per input", "[frozen_cache]") {
  auto s = atis_setup(3, 96);
  MultiTaskModel& model = *s.model;
  Backbone& backbone = model.backbone();
  const TokenizedSplit& split = s.datasets[0].train_tokens;
  const std::string policy = GENERATE(std::string("backbone"), std::string("layers:1"), std::string("embeddings"));
  const auto freeze = FreezePolicy::parse(policy, {"intent", "slots"}, 2);
  const std::int64_t layers = freeze.frozen_prefix_layers(2);
  apply_freeze(model, freeze);
  model.train(true);  // as the trainer runs it: the top trains, the frozen prefix stays in eval
  FrozenPrefixCache cache;
  FrozenPrefix prefix(&cache, model, layers);

  // Each example's prefix states, computed alone at its own length with the
  // training kernels: what the cache must hold, bit for bit.
  auto alone = [&](std::size_t i) {
    torch::AutoGradMode grad(true);
    const Batch one = make_batch(split, {i}, {}, 0);
    return backbone.run_layers(backbone.embed(one.input_ids, one.token_type_ids), one.attention_mask, 0, layers)[0];
  };

  // Two batchings of the same 40 examples, in both grad modes: the first fills
  // the cache, the rest are served from it.
  std::vector<std::vector<std::size_t>> first, second;
  for (std::size_t i = 0; i < 40; i += 8) first.push_back({i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7});
  for (std::size_t i = 0; i < 40; i += 20) {
    second.emplace_back();
    for (std::size_t j = 0; j < 20; ++j) second.back().push_back(39 - i - j);
  }
  for (const bool autograd : {true, false}) {
    torch::AutoGradMode mode(autograd);
    for (const auto* plan : {&first, &second}) {
      for (const auto& indices : *plan) {
        const Batch batch = make_batch(split, indices, {}, 0);
        const auto T = batch.input_ids.size(1);
        // The expected result: per-example prefix states, padded with zeros, then the model's top.
        auto hidden = torch::zeros({static_cast<std::int64_t>(indices.size()), T, backbone.hidden_size()});
        for (std::size_t r = 0; r < indices.size(); ++r) {
          const auto states = alone(indices[r]);
          hidden[static_cast<std::int64_t>(r)].narrow(0, 0, states.size(0)).copy_(states);
        }
        torch::manual_seed(1);  // dropout in the trainable top draws the same masks
        const auto expected = model.encode_from(hidden, layers, batch.attention_mask);
        torch::manual_seed(1);
        const auto got = prefix.encode(batch.input_ids, batch.token_type_ids, batch.attention_mask);
        torch::manual_seed(1);
        const auto batched = model.encode(batch.input_ids, batch.token_type_ids, batch.attention_mask);
        INFO(policy << " autograd=" << autograd << " batching " << (plan == &first ? 1 : 2));
        REQUIRE(torch::equal(got.pooled, expected.pooled));
        REQUIRE(torch::equal(got.token_states, expected.token_states));
        REQUIRE(torch::equal(got.attention_mask, batched.attention_mask));
        // And the model's own batched pass, within float32 rounding (test_frozen_cache_rows).
        REQUIRE((got.pooled - batched.pooled).abs().max().item<double>() <= 1e-5);
        for (std::size_t r = 0; r < indices.size(); ++r) {
          const auto len = static_cast<std::int64_t>(split.encodings[indices[r]].size());
          const auto row = static_cast<std::int64_t>(r);
          const auto diff = got.token_states[row].narrow(0, 0, len) - batched.token_states[row].narrow(0, 0, len);
          REQUIRE(diff.abs().max().item<double>() <= 1e-5);
        }
      }
    }
  }
  // Each distinct input computed once, for training and evaluation alike; every other use reused it.
  std::set<std::vector<std::int64_t>> distinct;
  for (std::size_t i = 0; i < 40; ++i) distinct.insert(split.encodings[i].input_ids);
  const auto n = static_cast<std::int64_t>(distinct.size());
  CHECK(cache.stats().computed == n);
  CHECK(cache.stats().reused == 4 * 40 - n);
  CHECK(prefix.computed() == n);
}

TEST_CASE("without a cache a frozen prefix gives the same states at every use", "[frozen_cache]") {
  auto s = atis_setup(3, 32);
  MultiTaskModel& model = *s.model;
  const auto freeze = FreezePolicy::parse("layers:1", {"intent", "slots"}, 2);
  apply_freeze(model, freeze);
  model.eval();
  FrozenPrefix uncached(nullptr, model, 1);
  FrozenPrefixCache cache;
  FrozenPrefix cached(&cache, model, 1);
  CHECK(uncached.key().empty());
  const TokenizedSplit& split = s.datasets[0].train_tokens;
  for (const std::vector<std::size_t>& indices : {std::vector<std::size_t>{0, 1, 2, 3}, {3, 2, 1, 0, 4, 5}}) {
    const Batch batch = make_batch(split, indices, {}, 0);
    const auto a = uncached.encode(batch.input_ids, batch.token_type_ids, batch.attention_mask);
    const auto b = cached.encode(batch.input_ids, batch.token_type_ids, batch.attention_mask);
    CHECK(torch::equal(a.token_states, b.token_states));
    CHECK(torch::equal(a.pooled, b.pooled));
  }
  CHECK(uncached.computed() == 10);
  CHECK(uncached.reused() == 0);
  CHECK(cached.computed() == 6);
  CHECK(cached.reused() == 4);
}

TEST_CASE("frozen embeddings run without dropout while the rest of the model trains", "[frozen_cache]") {
  auto s = atis_setup(3, 32);
  const Batch batch = make_batch(s.datasets[0].train_tokens, {0, 1, 2, 3}, {}, 0);
  Backbone& backbone = s.model->backbone();
  apply_freeze(*s.model, FreezePolicy::parse("embeddings", {"intent", "slots"}, 2));
  s.model->train(true);
  CHECK(torch::equal(backbone.embed(batch.input_ids, batch.token_type_ids),
                     backbone.embed(batch.input_ids, batch.token_type_ids)));
  apply_freeze(*s.model, FreezePolicy::parse("none", {"intent", "slots"}, 2));  // trainable: dropout again
  s.model->train(true);
  CHECK_FALSE(torch::equal(backbone.embed(batch.input_ids, batch.token_type_ids),
                           backbone.embed(batch.input_ids, batch.token_type_ids)));
}
