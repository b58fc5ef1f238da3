// bench_encode: sentences per second for a BERT-base-shaped encoder of one family
// (random weights) on synthetic sentences of 8–40 words, the effective GFLOP/s on
// real (non-padding) tokens, and in the same process the GFLOP/s of a plain matrix
// product of BERT's own shape through LibTorch's default BLAS and through oneDNN.
// With --family all (or --compare), BERT and the other families encode the same
// sentences interleaved, chunk by chunk, and each family's throughput per FLOP is
// given relative to BERT's. With --dtype bf16 or --quantize int8, the family encodes
// in fp32 and in that precision, interleaved the same way: the speed ratio to fp32
// in one run, and the cosine similarity of the two precisions' embeddings.
//
// Options: kUsage below (bench_encode --help).
//   bench_encode --save DIR [--sentences N] [--family F]
//     writes the family's model as a folder DIR/model and the sentences, one a line, as
//     DIR/sentences.txt, then stops: what bench/encode/cli_vs_bench.sh gives `mtlab encode`.
//   bench_encode --model DIR ...
//     encodes with a model folder loaded as `mtlab encode` loads it (plugin registry,
//     config.json's model_type, safetensors) instead of weights built in-process.
#include <sys/resource.h>
#include <unistd.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "mtlab/bert/bert_model.h"
#include "../common/bench_util.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/backbone_folder.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/heap_retention.h"
#include "mtlab/model/precision.h"
#include "mtlab/model/sentence_encoder.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/text/roberta_tokenizer.h"

namespace {

using namespace mtlab::bench;

struct Options {
  int sentences = 1000, batch = 32, threads = 2, rounds = 0;  // rounds 0: 1 alone, 2 when comparing
  std::string matmul = "onednn", family = "bert";
  std::string save;   // non-empty: write the model folder and the sentences there, then stop
  std::string model;  // non-empty: the model folder to load, as `mtlab encode --model` does
  bool compare = false;
  mtlab::Precision precision = mtlab::Precision::fp32;  // not fp32: compared with fp32
};

constexpr const char* kUsage =
    "usage: bench_encode [--sentences 1000] [--batch-size 32] [--threads 2] [--matmul onednn|blas]\n"
    "                    [--family bert|roberta|electra|distilbert|all] [--compare] [--rounds N]\n"
    "                    [--dtype fp32|bf16] [--quantize int8]\n"
    "       bench_encode --save DIR [--sentences N] [--family F]\n"
    "       bench_encode --model DIR ...\n";

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      std::exit(0);
    }
    if (arg == "--compare") {
      o.compare = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value (see --help)");
    const char* value = argv[++i];
    if (arg == "--sentences") o.sentences = std::atoi(value);
    else if (arg == "--batch-size") o.batch = std::atoi(value);
    else if (arg == "--threads") o.threads = std::atoi(value);
    else if (arg == "--rounds") o.rounds = std::atoi(value);
    else if (arg == "--matmul") o.matmul = value;
    else if (arg == "--family") o.family = value;
    else if (arg == "--dtype" && std::string(value) == "bf16") o.precision = mtlab::Precision::bf16;
    else if (arg == "--dtype" && std::string(value) == "fp32") o.precision = mtlab::Precision::fp32;
    else if (arg == "--quantize" && std::string(value) == "int8") o.precision = mtlab::Precision::int8;
    else if (arg == "--save") o.save = value;
    else if (arg == "--model") o.model = value;
    else throw std::invalid_argument("unknown option " + arg + " (see --help)");
  }
  if (o.family == "all") o.compare = true;
  if (o.precision != mtlab::Precision::fp32) {
    if (o.family == "all") throw std::invalid_argument("--dtype/--quantize compare one family with itself in fp32");
    o.compare = true;
  }
  if (o.rounds <= 0) o.rounds = o.compare ? 2 : 1;
  if (!o.model.empty() && (o.compare || !o.save.empty())) {
    throw std::invalid_argument("--model encodes with one folder: not with --family all, --compare or --save");
  }
  return o;
}

// BERT first, so that every other family's ratio has its reference; with a
// precision, the family twice (fp32 first).
std::vector<std::string> families_to_run(const Options& o) {
  if (o.precision != mtlab::Precision::fp32) return {o.family, o.family};
  if (o.family == "all") return mtlab::BertConfig::families();
  if (o.compare && o.family != "bert") return {"bert", o.family};
  return {o.family};
}

// The family's base-size configuration, BERT-base's shape in every family so that the
// FLOPs per token are the same: defaults() gives transformers' class defaults, which for
// ELECTRA are electra-small's shape (electra-base-discriminator: embedding_size 768, so no
// projection) and for DistilBERT 6 layers (distilbert-base; 12 here for the per-FLOP comparison).
mtlab::BertConfig base_config(const std::string& family) {
  auto c = mtlab::BertConfig::defaults(family);
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.intermediate_size = 3072;
  if (family == "electra") c.embedding_size = 768;
  c.validate("bench_encode " + family);
  return c;
}

// Whole words of BERT's vocabulary (no pieces, no specials) that RoBERTa's byte-level
// BPE also spells as one token, first in a text and after a space: a sentence of n of
// them is then n + 3 real tokens in every family, so all families see the same workload.
std::vector<std::string> single_token_words(const mtlab::Vocab& vocab, const mtlab::RobertaTokenizer& roberta) {
  std::vector<std::string> words;
  for (const auto& t : vocab.tokens()) {
    if (t.size() < 2 || t[0] == '[' || t[0] == '#' || !std::isalpha(static_cast<unsigned char>(t[0]))) continue;
    if (roberta.tokenize(t).size() == 1 && roberta.tokenize(" " + t).size() == 1) words.push_back(t);
  }
  return words;
}

// Sentences of 8–40 words, ended by a full stop.
std::vector<mtlab::SentenceInput> make_sentences(const std::vector<std::string>& words, int n, unsigned seed) {
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

struct Tokenizers {
  std::shared_ptr<const mtlab::Tokenizer> wordpiece;  // bert-base-uncased's: BERT, ELECTRA, DistilBERT
  std::shared_ptr<const mtlab::Tokenizer> roberta;    // roberta-base's byte-level BPE
};

// One family's model and encoder, and its timings.
struct FamilyRun {
  std::string family;
  mtlab::BertConfig config;
  mtlab::Precision precision = mtlab::Precision::fp32;
  std::shared_ptr<mtlab::Backbone> model;
  std::unique_ptr<mtlab::SentenceEncoder> encoder;
  std::vector<std::int64_t> counts;  // real tokens of each sentence
  double flops = 0;                  // of the whole set, on real tokens
  std::vector<double> seconds;       // one encode per round

  double best_seconds() const { return *std::min_element(seconds.begin(), seconds.end()); }
  double total_seconds() const { return std::accumulate(seconds.begin(), seconds.end(), 0.0); }
  double gflops(double s) const { return flops / s / 1e9; }
  std::string label() const {
    return precision == mtlab::Precision::fp32 ? config.family_name()
                                               : config.family_name() + " " + mtlab::precision_name(precision);
  }
};

FamilyRun build_run(const std::string& family, mtlab::Precision precision, const Tokenizers& tokenizers,
                    const Options& o, const std::vector<mtlab::SentenceInput>& inputs) {
  FamilyRun run{family, base_config(family), precision};
  if (!o.model.empty()) {
    // What `mtlab encode --model DIR` runs: the registry's plugin for config.json's model_type.
    static mtlab::plugin::Registry registry;
    if (registry.plugins().empty()) registry.scan(mtlab::plugin::Registry::default_search_path());
    const auto folder = mtlab::read_encoder_folder(o.model).transformer_folder;
    run.config = mtlab::BertConfig::from_file(folder / "config.json");
    run.family = run.config.model_type;
    run.model = mtlab::load_backbone(registry, folder);
  } else {
    torch::manual_seed(0);  // the same draw in every family, whatever ran before
    run.model = std::make_shared<mtlab::BertModel>(run.config, family == "roberta" ? tokenizers.roberta
                                                                                   : tokenizers.wordpiece);
  }
  run.model->eval();
  mtlab::prepare_linear_layers(*run.model, precision);
  mtlab::SentenceEncoderOptions options;
  options.pooling = {mtlab::Pooling::cls};
  options.batch_size = o.batch;
  run.encoder = std::make_unique<mtlab::SentenceEncoder>(run.model, options);
  run.counts = run.encoder->token_counts(inputs);
  for (auto t : run.counts) run.flops += bert_forward_flops(run.config, static_cast<double>(t));
  return run;
}

// Padding actually computed by length-sorted batches.
double padded_tokens(std::vector<std::int64_t> counts, std::size_t batch) {
  std::sort(counts.rbegin(), counts.rend());
  double padded = 0;
  for (std::size_t s = 0; s < counts.size(); s += batch) {
    padded += static_cast<double>(counts[s]) * std::min(batch, counts.size() - s);
  }
  return padded;
}

// The sentences in length order, in chunks of `size`: encoded one chunk at a time
// they make the same batches (the same shapes, the same padding) as encoded at once.
std::vector<std::vector<mtlab::SentenceInput>> length_sorted_chunks(const std::vector<mtlab::SentenceInput>& inputs,
                                                                    const std::vector<std::int64_t>& counts,
                                                                    std::size_t size) {
  std::vector<std::size_t> order(inputs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return counts[a] > counts[b]; });
  std::vector<std::vector<mtlab::SentenceInput>> chunks;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i % size == 0) chunks.emplace_back();
    chunks.back().push_back(inputs[order[i]]);
  }
  return chunks;
}

// Each round encodes every chunk with every family before the next chunk, starting with
// another family each chunk: a change in the machine's load falls on all families alike
// (whole-set rounds of 10–60 s each did not), and none always meets a new batch shape
// first (oneDNN builds a primitive per shape). Returns the embeddings' rows per round.
std::int64_t time_rounds(std::vector<FamilyRun>& runs, const std::vector<std::vector<mtlab::SentenceInput>>& chunks,
                         int rounds) {
  std::int64_t rows = 0;
  for (int r = 0; r < rounds; ++r) {
    for (auto& run : runs) run.seconds.push_back(0.0);
    rows = 0;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      for (std::size_t k = 0; k < runs.size(); ++k) {
        auto& run = runs[(k + c) % runs.size()];
        const auto start = Clock::now();
        rows += run.encoder->encode(chunks[c]).size(0);
        run.seconds.back() += seconds_since(start);
      }
    }
  }
  return rows / static_cast<std::int64_t>(runs.size());
}

std::string describe(const mtlab::BertConfig& c) {
  return fmt::format("L={}, vocab {}, pad id {}, token types {}, embeddings {}{}, {}", c.num_hidden_layers,
                     c.vocab_size, c.pad_token_id, c.type_vocab_size, c.embedding_width(),
                     c.embedding_width() != c.hidden_size ? " projected" : "", c.has_pooler() ? "pooler" : "no pooler");
}

// Per family: each round's time, the best round's rates, and the throughput per FLOP
// relative to BERT's (runs[0]) over all rounds, which ran interleaved in this process.
// Within 15 % means at least 0.85 of BERT's (faster passes).
void print_comparison(const std::vector<FamilyRun>& runs, int sentences, std::size_t chunk) {
  const auto& bert = runs.front();
  std::printf("\ninterleaved: chunks of %zu length-sorted sentences, each encoded by every family in turn\n", chunk);
  std::printf("%-10s %8s %12s %9s %9s  %s\n", "family", "best s", "sentences/s", "GFLOP/s", "vs BERT", "rounds (s)");
  for (const auto& run : runs) {
    const double best = run.best_seconds();
    const double ratio = run.gflops(run.total_seconds()) / bert.gflops(bert.total_seconds());
    std::string rounds;
    for (double s : run.seconds) rounds += fmt::format(" {:.2f}", s);
    std::printf("%-10s %8.2f %12.2f %9.1f %8.3f%s%s\n", run.label().c_str(), best, sentences / best,
                run.gflops(best), ratio, ratio >= 0.85 ? " " : "!", rounds.c_str());
  }
  std::printf("best s, sentences/s, GFLOP/s: the family's best round; vs BERT: GFLOP/s over all rounds "
              "relative to the first row's (BERT, or the family in fp32); '!' marks one below 0.85\n");
}

// How far the reduced precision's embeddings (runs[1]) are from fp32's (runs[0]):
// cosine similarity per sentence, over the first 256 sentences.
void print_closeness(const std::vector<FamilyRun>& runs, const std::vector<mtlab::SentenceInput>& inputs) {
  const std::vector<mtlab::SentenceInput> some(inputs.begin(), inputs.begin() + std::min<std::size_t>(256, inputs.size()));
  const auto cos = torch::cosine_similarity(runs[0].encoder->encode(some), runs[1].encoder->encode(some), 1);
  std::printf("%s vs fp32, CLS embeddings of %zu sentences: cosine similarity min %.5f, mean %.5f\n",
              runs[1].label().c_str(), some.size(), cos.min().item<double>(), cos.mean().item<double>());
}

// The workload of this benchmark as `mtlab encode` takes it: the model (the same random
// weights, torch::manual_seed(0)) as a Hugging Face folder, and the same sentences as a text file.
int save_workload(const Options& o, const Tokenizers& tokenizers, const std::vector<mtlab::SentenceInput>& inputs) {
  if (o.family == "all" || o.compare) throw std::invalid_argument("--save writes one family's model, not --family all or --compare");
  const std::filesystem::path dir = o.save;
  const auto run = build_run(o.family, mtlab::Precision::fp32, tokenizers, o, inputs);
  run.model->save(dir / "model");
  std::ofstream out(dir / "sentences.txt", std::ios::binary);
  for (const auto& in : inputs) out << in.text << '\n';
  if (!out.flush()) throw std::runtime_error("cannot write " + (dir / "sentences.txt").string());
  std::printf("bench_encode: wrote %s/model (%s, random weights) and %s/sentences.txt (%d sentences)\n", o.save.c_str(),
              run.config.family_name().c_str(), o.save.c_str(), o.sentences);
  return 0;
}

}  // namespace

static int bench_main(int argc, char** argv) {
  mtlab::keep_freed_memory();  // before the first large allocation (heap_retention.h)
  const Options o = parse_options(argc, argv);
  mtlab::set_threads(o.threads);

  const std::string vocab_dir = std::string(MTLAB_SHARED_DIR) + "/fixtures/vocab/";
  const mtlab::Vocab vocab = mtlab::Vocab::load(vocab_dir + "bert-base-uncased-vocab.txt");
  const auto roberta = std::make_shared<const mtlab::RobertaTokenizer>(mtlab::RobertaTokenizer::from_files(
      vocab_dir + "roberta-base-vocab.json", vocab_dir + "roberta-base-merges.txt"));
  const Tokenizers tokenizers{std::make_shared<const mtlab::BertTokenizer>(vocab, mtlab::TokenizerOptions{}), roberta};
  const auto words = single_token_words(vocab, *roberta);
  const auto inputs = make_sentences(words, o.sentences, 42);
  if (!o.save.empty()) return save_workload(o, tokenizers, inputs);

  // The same precision as `mtlab encode` would use here (fp32, with a warning, where the CPU lacks it).
  const auto precision = mtlab::usable_precision(o.precision, "bench_encode " + mtlab::precision_name(o.precision));
  std::vector<FamilyRun> runs;
  for (const auto& family : families_to_run(o)) {
    runs.push_back(build_run(family, runs.empty() ? mtlab::Precision::fp32 : precision, tokenizers, o, inputs));
    if (runs.back().counts != runs.front().counts) {
      std::fprintf(stderr, "bench_encode: %s sees other token counts than %s\n", family.c_str(),
                   runs.front().family.c_str());
      return 1;
    }
  }
  const double rss_model = current_rss_mb();
  double real_tokens = 0;
  for (auto t : runs.front().counts) real_tokens += static_cast<double>(t);
  const double padded = padded_tokens(runs.front().counts, static_cast<std::size_t>(o.batch));

  // The machine's matrix rate: a BERT feed-forward product for one batch of tokens, both paths.
  const std::int64_t m = 1024;
  const double blas = gemm_rate(m, 768, 3072, mtlab::MatmulPath::blas);
  const double onednn = gemm_rate(m, 768, 3072, mtlab::MatmulPath::onednn);
  const double best = std::max(blas, onednn);

  mtlab::set_matmul_path(mtlab::matmul_path_from_name(o.matmul));
  std::vector<mtlab::SentenceInput> warm(inputs.begin(), inputs.begin() + std::min(o.batch, o.sentences));
  for (const auto& run : runs) (void)run.encoder->encode(warm);
  const double rss_warm = current_rss_mb();
  // Comparing: chunks of two batches; alone, the whole set in one call, as `mtlab encode` does.
  const auto chunk = o.compare ? 2 * static_cast<std::size_t>(o.batch) : inputs.size();
  const auto rows = time_rounds(runs, length_sorted_chunks(inputs, runs.front().counts, chunk), o.rounds);
  // Measured again after encoding: on a shared machine the rate moves with the load.
  const double blas_after = gemm_rate(m, 768, 3072, mtlab::MatmulPath::blas);
  const double onednn_after = gemm_rate(m, 768, 3072, mtlab::MatmulPath::onednn);
  const double best_all = std::max({best, blas_after, onednn_after});

  const auto env = mtlab::describe_environment();
  std::printf("bench_encode: BERT-base shape (H=768, L=12, heads=12, I=3072), random weights\n");
  for (const auto& run : runs) std::printf("  %s: %s\n", run.label().c_str(), describe(run.config).c_str());
  std::printf("cpu: %s\nblas: %s %s\n", env.cpu.c_str(), env.blas.c_str(), env.blas_details.c_str());
  std::printf("sentences: %d (8-40 words drawn from %zu), batch %d, threads %d, encode matmul path %s, rounds %d\n",
              o.sentences, words.size(), o.batch, o.threads, o.matmul.c_str(), o.rounds);
  std::printf("real tokens: %.0f (mean %.1f per sentence, the same in every family), computed with padding: %.0f "
              "(%.1f%% padding)\n", real_tokens, real_tokens / o.sentences, padded, 100.0 * (1 - real_tokens / padded));
  const auto& first = runs.front();
  const double elapsed = first.best_seconds();
  std::printf("encode %s: %.2f s, %.2f sentences/s, %.1f effective GFLOP/s on real tokens\n",
              first.config.family_name().c_str(), elapsed, o.sentences / elapsed, first.gflops(elapsed));
  std::printf("plain GEMM [%ld x 768] x [768 x 3072], before encoding: blas %.1f GFLOP/s, onednn %.1f GFLOP/s\n",
              static_cast<long>(m), blas, onednn);
  std::printf("plain GEMM [%ld x 768] x [768 x 3072], after encoding:  blas %.1f GFLOP/s, onednn %.1f GFLOP/s\n",
              static_cast<long>(m), blas_after, onednn_after);
  std::printf("ratio encode / best GEMM (%.1f GFLOP/s): %.1f%%\n", best_all, 100.0 * first.gflops(elapsed) / best_all);
  std::printf("peak RSS: %.0f MB (resident after building the models %.0f MB, after warm-up %.0f MB, at the end %.0f MB)\n",
              peak_rss_mb(), rss_model, rss_warm, current_rss_mb());
  std::printf("embeddings: %ld rows per family and round\n", static_cast<long>(rows));
  if (o.compare) print_comparison(runs, o.sentences, chunk);
  if (o.precision != mtlab::Precision::fp32) print_closeness(runs, inputs);
  return 0;
}

int main(int argc, char** argv) {
  return mtlab::bench::guarded_main("bench_encode", [&] { return bench_main(argc, argv); });
}
