// bench_encode: sentences per second for a BERT-base-shaped encoder (random
// weights) on synthetic sentences of 8–40 words, the effective GFLOP/s on real
// (non-padding) tokens, and in the same process the GFLOP/s of a plain matrix
// product of BERT's own shape through LibTorch's default BLAS and through oneDNN.
//
//   bench_encode [--sentences 1000] [--batch-size 32] [--threads 2] [--matmul onednn|blas]
#include <sys/resource.h>
#include <unistd.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "mtlab/bert/bert_model.h"
#include "../common/bench_util.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/sentence_encoder.h"

namespace {

using namespace mtlab::bench;

// Sentences of 8–40 whole words drawn from the vocabulary (no pieces, no specials).
std::vector<mtlab::SentenceInput> make_sentences(const mtlab::Vocab& vocab, int n, unsigned seed) {
  std::vector<std::string> words;
  for (const auto& t : vocab.tokens()) {
    if (t.size() >= 2 && t[0] != '[' && t[0] != '#' && std::isalpha(static_cast<unsigned char>(t[0]))) words.push_back(t);
  }
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(8, 40);
  std::uniform_int_distribution<std::size_t> pick(0, words.size() - 1);
  std::vector<mtlab::SentenceInput> out;
  for (int i = 0; i < n; ++i) {
    std::string s;
    for (int w = length(rng); w > 0; --w) s += (s.empty() ? "" : " ") + words[pick(rng)];
    out.push_back({s + ".", std::nullopt});
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int sentences = 1000, batch = 32, threads = 2;
  std::string matmul = "onednn";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--sentences")) sentences = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch-size")) batch = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--matmul")) matmul = argv[i + 1];
  }
  mtlab::set_threads(threads);
  torch::manual_seed(0);

  mtlab::BertConfig config;  // BERT-base: hidden 768, 12 layers, 12 heads, intermediate 3072
  const std::string vocab_file = std::string(MTLAB_SHARED_DIR) + "/fixtures/vocab/bert-base-uncased-vocab.txt";
  mtlab::TokenizerOptions tok;
  const mtlab::Vocab vocab = mtlab::Vocab::load(vocab_file);
  auto model = std::make_shared<mtlab::BertModel>(config, mtlab::BertTokenizer(vocab, tok));
  model->eval();
  const double rss_model = current_rss_mb();
  const auto inputs = make_sentences(vocab, sentences, 42);

  mtlab::SentenceEncoderOptions options;
  options.pooling = {mtlab::Pooling::cls};
  options.batch_size = batch;
  mtlab::SentenceEncoder encoder(model, options);
  const auto counts = encoder.token_counts(inputs);
  double real_tokens = 0, flops = 0;
  for (auto t : counts) {
    real_tokens += t;
    flops += t * bert_forward_flops_per_token(config, static_cast<double>(t));
  }
  // Padding actually computed by length-sorted batches.
  std::vector<std::int64_t> sorted(counts.begin(), counts.end());
  std::sort(sorted.rbegin(), sorted.rend());
  double padded_tokens = 0;
  for (std::size_t s = 0; s < sorted.size(); s += batch) {
    padded_tokens += static_cast<double>(sorted[s]) * std::min<std::size_t>(batch, sorted.size() - s);
  }

  // The machine's matrix rate: a BERT feed-forward product for one batch of tokens, both paths.
  const std::int64_t m = 1024;
  const double blas = gemm_rate(m, 768, 3072, mtlab::MatmulPath::blas);
  const double onednn = at::hasMKLDNN() ? gemm_rate(m, 768, 3072, mtlab::MatmulPath::onednn) : 0.0;
  const double best = std::max(blas, onednn);

  mtlab::set_matmul_path(mtlab::matmul_path_from_name(matmul));
  std::vector<mtlab::SentenceInput> warm(inputs.begin(), inputs.begin() + std::min(batch, sentences));
  (void)encoder.encode(warm);
  const double rss_warm = current_rss_mb();
  const auto start = Clock::now();
  const auto embeddings = encoder.encode(inputs);
  const double elapsed = seconds_since(start);
  const double rate = flops / elapsed / 1e9;
  // Measured again after encoding: on a shared machine the rate moves with the load.
  const double blas_after = gemm_rate(m, 768, 3072, mtlab::MatmulPath::blas);
  const double onednn_after = at::hasMKLDNN() ? gemm_rate(m, 768, 3072, mtlab::MatmulPath::onednn) : 0.0;
  const double best_all = std::max({best, blas_after, onednn_after});

  const auto env = mtlab::describe_environment();
  std::printf("bench_encode: BERT-base shape (H=768, L=12, heads=12, I=3072), random weights\n");
  std::printf("cpu: %s\nblas: %s %s\n", env.cpu.c_str(), env.blas.c_str(), env.blas_details.c_str());
  std::printf("sentences: %d (8-40 words), batch %d, threads %d, encode matmul path %s\n", sentences, batch, threads,
              matmul.c_str());
  std::printf("real tokens: %.0f (mean %.1f per sentence), computed with padding: %.0f (%.1f%% padding)\n",
              real_tokens, real_tokens / sentences, padded_tokens, 100.0 * (1 - real_tokens / padded_tokens));
  std::printf("encode: %.2f s, %.2f sentences/s, %.1f effective GFLOP/s on real tokens\n", elapsed,
              sentences / elapsed, rate);
  std::printf("plain GEMM [%ld x 768] x [768 x 3072], before encoding: blas %.1f GFLOP/s, onednn %.1f GFLOP/s\n",
              static_cast<long>(m), blas, onednn);
  std::printf("plain GEMM [%ld x 768] x [768 x 3072], after encoding:  blas %.1f GFLOP/s, onednn %.1f GFLOP/s\n",
              static_cast<long>(m), blas_after, onednn_after);
  std::printf("ratio encode / best GEMM (%.1f GFLOP/s): %.1f%%\n", best_all, 100.0 * rate / best_all);
  std::printf("peak RSS: %.0f MB (resident after building the model %.0f MB, after warm-up %.0f MB, at the end %.0f MB)\n",
              peak_rss_mb(), rss_model, rss_warm, current_rss_mb());
  std::printf("embeddings: [%ld, %ld]\n", static_cast<long>(embeddings.size(0)), static_cast<long>(embeddings.size(1)));
  return 0;
}
