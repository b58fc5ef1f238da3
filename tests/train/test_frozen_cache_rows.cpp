// What the frozen-prefix cache rests on, measured: a frozen BERT prefix gives an
// example's real tokens the same states whatever else is in its batch and
// however much padding follows — bit for bit through the embeddings (row-wise
// operations only), and within a few float32 ulps through encoder layers,
// because BLAS and oneDNN matrix products round a row differently depending on
// its position and the number of rows (docs/performance.md, "Frozen-prefix cache").
#include <catch2/catch.hpp>

#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/multitask_model.h"
#include "test_frozen_cache_fixture.h"

using namespace mtlab;
using namespace mtlab::test;

namespace {

at::Tensor prefix_states(BertModel& bert, const Batch& batch, std::int64_t layers) {
  return bert.run_layers(bert.embed(batch.input_ids, batch.token_type_ids), batch.attention_mask, 0, layers);
}

// Largest absolute difference between two examples' real-token states.
double gap(const at::Tensor& x, const at::Tensor& y) { return (x - y).abs().max().item<double>(); }

}  // namespace

TEST_CASE("a frozen prefix gives an example the same states in any batch and with any padding", "[frozen_cache]") {
  const Dataset data = atis_slice(400, 0, 0);
  const auto [hidden, depth] = GENERATE(std::pair<std::int64_t, std::int64_t>{32, 2},
                                        std::pair<std::int64_t, std::int64_t>{128, 4});  // tests' and the seed's shape
  auto bert = small_bert(data, hidden, depth, 11);
  bert->eval();  // a frozen prefix runs in eval mode
  const TokenizedSplit split = encode_examples(bert->tokenizer(), data.train, {}, 64, "train");

  // Batch A: 32 examples shorter than the longest. Batch B: the same ones
  // reversed among 24 others and the longest, so partners, batch size and
  // padded length all differ. And each example alone, without padding.
  std::size_t longest = 0;
  for (std::size_t i = 0; i < split.size(); ++i) {
    if (split.encodings[i].size() > split.encodings[longest].size()) longest = i;
  }
  std::vector<std::size_t> a, b;
  for (std::size_t i = 0; a.size() < 32; ++i) {
    if (split.encodings[i].size() < split.encodings[longest].size()) a.push_back(i);
  }
  for (std::size_t i = 0; i < 24; ++i) b.push_back(300 + i);
  b.insert(b.end(), a.rbegin(), a.rend());
  b.push_back(longest);
  const Batch batch_a = make_batch(split, a, {}, 0);
  const Batch batch_b = make_batch(split, b, {}, 0);
  REQUIRE(batch_a.input_ids.size(1) < batch_b.input_ids.size(1));

  for (const bool autograd : {true, false}) {  // the training and the evaluation kernels
    torch::AutoGradMode mode(autograd);
    for (const std::int64_t layers : {std::int64_t{0}, std::int64_t{1}, depth}) {
      const auto sa = prefix_states(*bert, batch_a, layers);
      const auto sb = prefix_states(*bert, batch_b, layers);
      double worst = 0;
      for (std::size_t r = 0; r < a.size(); ++r) {
        const auto len = static_cast<std::int64_t>(split.encodings[a[r]].size());
        const auto row_a = sa[static_cast<std::int64_t>(r)].narrow(0, 0, len);
        const auto alone = prefix_states(*bert, make_batch(split, {a[r]}, {}, 0), layers)[0];
        worst = std::max({worst, gap(row_a, sb[static_cast<std::int64_t>(24 + a.size() - 1 - r)].narrow(0, 0, len)),
                          gap(row_a, alone)});
      }
      INFO("H=" << hidden << " autograd=" << autograd << " layers=" << layers << " largest gap " << worst);
      // States are LayerNorm outputs of order 1: 1e-5 is about a hundred float32 ulps.
      CHECK(worst <= (layers == 0 ? 0.0 : 1e-5));
    }
  }
}

// The cache stores each example's states computed alone (FrozenPrefix); the
// same example may be computed by a batch-of-one pass in any thread setting
// (the first epoch, a resumed run, a trial without the cache), so that pass
// must not depend on how many threads LibTorch, oneDNN and BLAS use.
TEST_CASE("an example's prefix states computed alone do not depend on the thread count", "[frozen_cache]") {
  const Dataset data = atis_slice(64, 0, 0);
  const std::int64_t hidden = GENERATE(std::int64_t{128}, std::int64_t{256});
  auto bert = small_bert(data, hidden, 2, 11);
  bert->eval();
  const TokenizedSplit split = encode_examples(bert->tokenizer(), data.train, {}, 64, "train");
  torch::AutoGradMode grad(true);  // the kernels FrozenPrefix runs
  auto states = [&](std::size_t i) {
    const Batch one = make_batch(split, {i}, {}, 0);
    return bert->run_layers(bert->embed(one.input_ids, one.token_type_ids), one.attention_mask, 0, 2);
  };
  const int threads = at::get_num_threads();
  std::vector<at::Tensor> single;
  at::set_num_threads(1);
  for (std::size_t i = 0; i < 32; ++i) single.push_back(states(i));
  at::set_num_threads(std::max(2, threads));
  for (std::size_t i = 0; i < 32; ++i) {
    INFO("H=" << hidden << " example " << i);
    CHECK(torch::equal(states(i), single[i]));
  }
  at::set_num_threads(threads);
}

// FrozenPrefix gives an example's real tokens the same bits in any batch: alone,
// among every example of its length, or padded among others. (A raw pass over
// several examples of one length does not, on every CPU: the GEMM kernels block
// by the row count, so FrozenPrefix runs each example alone.)
TEST_CASE("FrozenPrefix gives an example the same prefix states alone, among its length and padded in a batch", "[frozen_cache]") {
  const Dataset data = atis_slice(400, 0, 0);
  const std::int64_t hidden = GENERATE(std::int64_t{32}, std::int64_t{128}, std::int64_t{256});
  auto bert = small_bert(data, hidden, 2, 11);
  bert->eval();
  for (auto& p : bert->parameters()) p.set_requires_grad(false);
  MultiTaskModel model(bert, {});
  FrozenPrefix prefix(nullptr, model, bert->num_layers());  // the whole encoder: token states are the prefix's
  const TokenizedSplit split = encode_examples(bert->tokenizer(), data.train, {}, 64, "train");
  auto states = [&](const std::vector<std::size_t>& indices) {
    const Batch b = make_batch(split, indices, {}, 0);
    return prefix.encode(b.input_ids, b.token_type_ids, b.attention_mask).token_states;
  };
  std::map<std::size_t, std::vector<std::size_t>> by_length;
  for (std::size_t i = 0; i < split.size(); ++i) by_length[split.encodings[i].size()].push_back(i);
  std::vector<std::size_t> mixed;  // one of each length: padded to the longest
  int groups = 0, rows = 0, mismatches = 0;
  for (const auto& [length, indices] : by_length) {
    mixed.push_back(indices.front());
    if (indices.size() < 2) continue;
    const auto together = states(indices);
    for (std::size_t r = 0; r < indices.size(); ++r, ++rows) {
      if (!torch::equal(together[static_cast<std::int64_t>(r)], states({indices[r]})[0])) ++mismatches;
    }
    ++groups;
  }
  const auto padded = states(mixed);
  for (std::size_t r = 0; r < mixed.size(); ++r, ++rows) {
    const auto len = static_cast<std::int64_t>(split.encodings[mixed[r]].size());
    if (!torch::equal(padded[static_cast<std::int64_t>(r)].narrow(0, 0, len), states({mixed[r]})[0])) ++mismatches;
  }
  INFO("H=" << hidden << ": " << groups << " lengths, " << rows << " rows compared");
  CHECK(groups >= 10);
  CHECK(mismatches == 0);
}
