// Reduced-precision inference (mtlab/model/precision.h) on the tiny-bert fixture:
// bf16 and int8 linear layers against fp32, on the fixture's sentences. Bounds:
// cosine similarity to fp32 ≥ 0.999 (bf16) and ≥ 0.99 (int8) per sentence, for
// every pooling the fixture has. On a CPU without the instructions, the fallback.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "mtlab/bert/bert_model.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/precision.h"
#include "mtlab/model/sentence_encoder.h"
#include "reference.h"

using namespace mtlab;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::vector<SentenceInput> fixture_sentences() {
  std::vector<SentenceInput> out;
  for (const auto& c : test::load_reference("tiny-bert")["cases"]) {
    if (c.value("kind", "") == "single") out.push_back({c["text"].get<std::string>(), std::nullopt});
  }
  return out;
}

at::Tensor encode(Precision precision, Pooling pooling) {
  auto model = BertModel::from_folder(test::fixtures_dir() / "tiny-bert");
  model->eval();
  prepare_linear_layers(*model, precision);
  SentenceEncoderOptions options;
  options.pooling = {pooling};
  options.batch_size = 8;
  return SentenceEncoder(model, options).encode(fixture_sentences());
}

// Per sentence: the smallest cosine similarity to fp32, and the largest difference.
struct Closeness {
  double min_cosine = 1, max_abs_diff = 0;
};
Closeness closeness(const at::Tensor& a, const at::Tensor& b) {
  const auto cos = torch::cosine_similarity(a, b, 1);
  return {cos.min().item<double>(), (a - b).abs().max().item<double>()};
}

void check_precision(Precision precision, double bound) {
  if (const auto missing = missing_support(precision, cpu_features()); !missing.empty()) {
    WARN("this CPU cannot run " << precision_name(precision) << ": " << missing << "; checking the fallback only");
    CHECK(usable_precision(precision, "test") == Precision::fp32);
    return;
  }
  for (auto pooling : {Pooling::mean, Pooling::cls, Pooling::pooler}) {
    const auto c = closeness(encode(Precision::fp32, pooling), encode(precision, pooling));
    INFO(precision_name(precision) << " " << pooling_name(pooling) << ": min cosine " << c.min_cosine
                                   << ", max |diff| " << c.max_abs_diff);
    CHECK(c.min_cosine >= bound);
    CHECK(c.max_abs_diff > 0);  // it really computed in another precision
  }
}

}  // namespace

TEST_CASE("bf16 encodings of the tiny BERT fixture keep cosine 0.999 to fp32", "[precision][bf16]") {
  check_precision(Precision::bf16, 0.999);
}

TEST_CASE("int8 encodings of the tiny BERT fixture keep cosine 0.99 to fp32", "[precision][int8]") {
  check_precision(Precision::int8, 0.99);
}

TEST_CASE("a CPU without the instructions gets a message naming them and fp32", "[precision]") {
  const CpuFeatures none;
  CHECK(missing_support(Precision::bf16, none) ==
        "the CPU has no bf16 instructions (avx512_bf16 or amx_bf16); this LibTorch was built without oneDNN");
  CHECK(missing_support(Precision::int8, none) ==
        "the CPU has no int8 dot-product instructions (avx512_vnni, avx_vnni or amx_int8)");
  CHECK(missing_support(Precision::fp32, none).empty());
  CHECK(usable_precision(Precision::bf16, "--dtype bf16", none) == Precision::fp32);
  CHECK(usable_precision(Precision::int8, "--quantize int8", none) == Precision::fp32);
  CpuFeatures amx;
  amx.amx_bf16 = amx.amx_int8 = amx.onednn = true;
  CHECK(usable_precision(Precision::bf16, "--dtype bf16", amx) == Precision::bf16);
  CHECK(usable_precision(Precision::int8, "--quantize int8", amx) == Precision::int8);
}

TEST_CASE("reduced-precision products slower than fp32 get a warning naming the measured rate", "[precision]") {
  CHECK(slow_precision_warning(Precision::bf16, "--dtype bf16", 1.0).empty());
  CHECK(slow_precision_warning(Precision::int8, "--quantize int8", 2.8).empty());
  const auto warning = slow_precision_warning(Precision::bf16, "--dtype bf16", 0.62);
  CHECK_THAT(warning, StartsWith("--dtype bf16: bf16 matrix products run at 0.62x the fp32 rate on this CPU") &&
                          Contains("so bf16 is likely slower than fp32 here; computing in bf16 as asked"));
  // Measured on this machine: a positive, finite rate for what it runs natively, without
  // touching the global generator (a trial's dropout masks must not depend on it).
  for (auto precision : {Precision::bf16, Precision::int8}) {
    if (!missing_support(precision, cpu_features()).empty()) continue;
    torch::manual_seed(7);
    const auto expected = torch::rand({4});
    torch::manual_seed(7);
    const double speedup = product_speedup(precision);
    CHECK(torch::equal(torch::rand({4}), expected));
    INFO(precision_name(precision) << " products: " << speedup << "x fp32");
    CHECK(std::isfinite(speedup));
    CHECK(speedup > 0);
    CHECK(product_speedup(precision) == speedup);  // measured once per process
  }
}

TEST_CASE("prepared weights leave the module's own tensors and other modules alone", "[precision]") {
  auto model = BertModel::from_folder(test::fixtures_dir() / "tiny-bert");
  model->eval();
  std::map<std::string, at::Tensor> before;
  for (const auto& p : model->named_parameters()) before[p.key()] = p.value().clone();
  prepare_linear_layers(*model, Precision::bf16);
  for (const auto& p : model->named_parameters()) {
    INFO(p.key());
    CHECK(p.value().scalar_type() == at::kFloat);
    CHECK(torch::equal(p.value(), before.at(p.key())));
  }
  // A weight no one prepared computes in fp32, bit for bit what at::linear gives.
  const auto w = torch::randn({8, 16}), b = torch::randn({8}), x = torch::randn({3, 16});
  CHECK_FALSE(has_prepared_precision(w));
  CHECK(torch::allclose(fast_linear(x, w, b), at::linear(x, w, b), 1e-5, 1e-6));
}
