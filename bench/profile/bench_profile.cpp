// bench_profile: where one training step of the seed's multi-task model (BERT,
// a sentence head on the pooled output, a token head, cross-entropy, AdamW)
// spends its time, and how encoding and training time grow with sequence
// length, batch size and model size. Inputs are random token ids of a fixed
// length (no padding), so every token is real and the FLOP count is exact.
//
// Options: kUsage below (bench_profile --help).
//
// The profile times each component on its own, forward and backward, at the
// step's shapes: the embeddings; one layer's attention half (Q/K/V, scores,
// softmax, context, output projection, residual LayerNorm) and feed-forward half
// (intermediate, GELU, output, residual LayerNorm), each counted num_layers
// times; the pooler, both heads and their losses; the gradient clipping (by the
// global norm, as the trainer clips); the optimizer step. The layer halves are
// written out here from the layer's own parameters and checked
// against BertModel::run_layers (same kernels: the difference must be 0).
// Their sum is printed next to the measured whole step.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../common/bench_util.h"
#include "mtlab/data/label_set.h"
#include "mtlab/bert/bert_model.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/dropout.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/fast_matmul.h"
#include "mtlab/model/heap_retention.h"
#include "mtlab/model/loss.h"
#include "mtlab/model/optimizer.h"
#include "mtlab/model/precision.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/train/gradient_clip.h"
#include "mtlab/train/gradient_slots.h"
#include "mtlab/train/multitask_model.h"
#include "mtlab/train/param_groups.h"

namespace {

using namespace mtlab;
using namespace mtlab::bench;

constexpr std::int64_t kIntents = 20, kTags = 40;
constexpr const char* kUsage =
    "usage: bench_profile [--part all|profile|length|batch|size] [--threads 2] [--reps 3]\n"
    "                     [--shape tiny|mini|small|base] (for --part profile)\n"
    "                     [--length 64] [--batch 16]       (for --part profile)\n"
    "                     [--adamw fused|libtorch]         (the optimizer step: mtlab's fused one, the default, or "
    "LibTorch's)\n"
    "                     [--grads release|zero]           (after a step: gradients released, as the trainer does, or "
    "zeroed)\n"
    "                     [--precision fp32|bf16]          (for --trace: the step's forward in bf16 autocast, as "
    "training.precision)\n"
    "                     [--trace FILE]                   (for --part profile: also a Chrome trace of 3 whole steps, "
    "op by op,\n"
    "                                                       summed by bench/profile/trace_ops.py)\n";
constexpr double kGradClip = 1.0;  // training.grad_clip's default, as the trainer clips

BertConfig shape_config(const std::string& shape) {
  BertConfig c;
  auto set = [&](std::int64_t h, std::int64_t l, std::int64_t heads) {
    c.hidden_size = h, c.num_hidden_layers = l, c.num_attention_heads = heads, c.intermediate_size = 4 * h;
  };
  if (shape == "tiny") set(128, 4, 2);  // the seed experiments' from-scratch encoder
  else if (shape == "mini") set(256, 4, 4);
  else if (shape == "small") set(512, 4, 8);
  else if (shape == "medium") set(512, 8, 8);
  else if (shape == "base") set(768, 12, 12);
  else throw std::runtime_error("unknown shape " + shape);
  c.max_position_embeddings = 512;
  return c;
}

// The multi-task model, its losses and AdamW, built from the shipped plugins.
struct Setup {
  BertConfig config;
  std::shared_ptr<BertModel> bert;
  std::shared_ptr<MultiTaskModel> model;
  std::shared_ptr<Loss> ce;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<at::Tensor> params;  // every optimized parameter, for clipping
  GradientSlots grads;
  bool release_grads = true;
  bool bf16 = false;  // the encoder's forward in a bf16 autocast scope
};

// What the trainer does after a step (gradients released), or LibTorch 1.13's zero_grad.
void clear_grads(Setup& s) {
  if (s.release_grads) s.grads.release();
  else s.optimizer->zero_grad();
}

Setup make_setup(plugin::Registry& registry, const std::string& shape, bool fused_adamw = true,
                 bool release_grads = true) {
  Setup s;
  s.config = shape_config(shape);
  torch::manual_seed(1);
  const auto vocab_file = std::filesystem::path(MTLAB_SHARED_DIR) / "fixtures" / "vocab" / "bert-base-uncased-vocab.txt";
  s.bert = std::make_shared<BertModel>(s.config, BertTokenizer(Vocab::load(vocab_file), TokenizerOptions{}));
  auto intent = registry.create<Head>(plugin::Kind::head, "sequence_classification", Config());
  auto slots = registry.create<Head>(plugin::Kind::head, "token_classification", Config());
  intent->build(s.config.hidden_size, kIntents);
  slots->build(s.config.hidden_size, kTags);
  s.model = std::make_shared<MultiTaskModel>(
      s.bert, std::vector<std::pair<std::string, std::shared_ptr<Head>>>{{"intent", intent}, {"slots", slots}});
  s.ce = registry.create<Loss>(plugin::Kind::loss, "cross_entropy", Config());
  auto adamw = registry.create<OptimizerFactory>(plugin::Kind::optimizer, "adamw",
                                                 Config(nlohmann::json{{"fused", fused_adamw}}, "bench_profile"));
  ParamGroupOptions groups;
  groups.lr = 1e-5;
  const auto param_groups = build_param_groups(*s.model, groups);
  s.optimizer = adamw->make(param_groups);
  for (const auto& g : param_groups) s.params.insert(s.params.end(), g.params.begin(), g.params.end());
  s.grads = GradientSlots(s.params);
  s.release_grads = release_grads;
  return s;
}

struct Inputs {
  at::Tensor ids, types, mask, intents, tags;
};

Inputs make_inputs(std::int64_t batch, std::int64_t length) {
  Inputs in;
  in.ids = torch::randint(1000, 30000, {batch, length}, torch::kLong);
  in.types = torch::zeros({batch, length}, torch::kLong);
  in.mask = torch::ones({batch, length}, torch::kLong);
  in.intents = torch::randint(0, kIntents, {batch}, torch::kLong);
  in.tags = torch::randint(0, kTags, {batch, length}, torch::kLong);
  return in;
}

// Median wall time in seconds of `reps` calls after one warm-up call.
double median_time(int reps, const std::function<void()>& f) {
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    f();
    t.push_back(seconds_since(start));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

at::Tensor total_loss(Setup& s, const EncoderOutput& encoded, const Inputs& in) {
  auto logits = s.model->heads_forward(encoded, {"intent", "slots"});
  return 0.5 * s.ce->compute(logits.at("intent"), in.intents) + 0.5 * s.ce->compute(logits.at("slots"), in.tags);
}

// One whole training step, as the trainer takes it (without recording).
void train_step(Setup& s, const Inputs& in) {
  auto encoded = [&] {
    CpuAutocast autocast(s.bf16);
    return s.model->encode(in.ids, in.types, in.mask);
  }();
  total_loss(s, encoded, in).backward();
  s.grads.fill_absent();
  clip_gradients(s.params, kGradClip, *s.optimizer);
  s.optimizer->step();
  clear_grads(s);
}

void encode_batch(Setup& s, const Inputs& in) {
  c10::InferenceMode inference;
  (void)s.bert->forward(in.ids, in.types, in.mask);
}

// A layer's parameters by their checkpoint names.
struct LayerParams {
  at::Tensor wq, bq, wk, bk, wv, bv, wo, bo, ln1w, ln1b, wi, bi, wo2, bo2, ln2w, ln2b;
};

LayerParams layer_params(BertModel& bert, std::int64_t layer) {
  std::map<std::string, at::Tensor> p;
  for (const auto& [name, t] : bert.block_parameters(fmt::format("layer.{}", layer))) p[name] = t;
  const std::string l = fmt::format("encoder.layer.{}.", layer);
  auto get = [&](const std::string& n) { return p.at(l + n); };
  return {get("attention.self.query.weight"),   get("attention.self.query.bias"),
          get("attention.self.key.weight"),     get("attention.self.key.bias"),
          get("attention.self.value.weight"),   get("attention.self.value.bias"),
          get("attention.output.dense.weight"), get("attention.output.dense.bias"),
          get("attention.output.LayerNorm.weight"), get("attention.output.LayerNorm.bias"),
          get("intermediate.dense.weight"),     get("intermediate.dense.bias"),
          get("output.dense.weight"),           get("output.dense.bias"),
          get("output.LayerNorm.weight"),       get("output.LayerNorm.bias")};
}

// BertLayer's training-mode forward, in two halves (framework/model/bert_model.cpp).
at::Tensor attention_half(const LayerParams& p, const at::Tensor& x, const BertConfig& c, bool train) {
  const auto B = x.size(0), T = x.size(1), H = c.hidden_size, heads = c.num_attention_heads, dh = H / heads;
  auto split = [&](const at::Tensor& t) { return t.view({B, T, heads, dh}).transpose(1, 2); };
  auto q = split(fast_linear(x, p.wq, p.bq)), k = split(fast_linear(x, p.wk, p.bk)), v = split(fast_linear(x, p.wv, p.bv));
  // No padding: the additive mask is zero.
  auto scores = fast_matmul(q, k.transpose(-1, -2)).div_(std::sqrt(static_cast<double>(dh))).add_(0.0);
  auto probs = at::softmax(scores, -1);
  if (train) probs = mtlab::dropout(probs, c.attention_probs_dropout_prob, true);
  auto context = fast_matmul(probs, v).transpose(1, 2).reshape({B, T, H});
  auto attended = fast_linear(context, p.wo, p.bo);
  if (train) attended = mtlab::dropout(attended, c.hidden_dropout_prob, true);
  return at::layer_norm(attended + x, {H}, p.ln1w, p.ln1b, c.layer_norm_eps);
}

at::Tensor feed_forward_half(const LayerParams& p, const at::Tensor& h, const BertConfig& c, bool train) {
  auto out = fast_linear(at::gelu(fast_linear(h, p.wi, p.bi)), p.wo2, p.bo2);
  if (train) out = mtlab::dropout(out, c.hidden_dropout_prob, true);
  return at::layer_norm(out + h, {c.hidden_size}, p.ln2w, p.ln2b, c.layer_norm_eps);
}

struct Timing {
  double forward = 0, backward = 0;
};

// Median forward and backward time of `f` (its parameters' gradients are cleared each time).
Timing time_component(Setup& s, int reps, const std::function<at::Tensor()>& f) {
  std::vector<double> fw, bw;
  at::Tensor grad;
  for (int r = 0; r <= reps; ++r) {
    clear_grads(s);
    auto start = Clock::now();
    at::Tensor y = f();
    const double forward = seconds_since(start);
    if (!grad.defined()) grad = y.dim() == 0 ? torch::ones_like(y) : torch::randn_like(y);
    start = Clock::now();
    y.backward(grad);
    const double backward = seconds_since(start);
    if (r > 0) fw.push_back(forward), bw.push_back(backward);  // r = 0 warms up
  }
  std::sort(fw.begin(), fw.end());
  std::sort(bw.begin(), bw.end());
  return {fw[fw.size() / 2], bw[bw.size() / 2]};
}

void profile(plugin::Registry& registry, const std::string& shape, std::int64_t batch, std::int64_t length, int reps,
             bool fused_adamw, bool release_grads, const std::string& trace, bool bf16) {
  Setup s = make_setup(registry, shape, fused_adamw, release_grads);
  const auto& c = s.config;
  const Inputs in = make_inputs(batch, length);
  s.model->train(true);

  // The written-out halves compute what run_layers computes (eval mode: no dropout draws).
  {
    s.model->train(false);
    const auto x = torch::randn({batch, length, c.hidden_size});
    const auto p = layer_params(*s.bert, 0);
    const auto ours = feed_forward_half(p, attention_half(p, x, c, false), c, false);
    const auto theirs = s.bert->run_layers(x, in.mask, 0, 1);
    const double diff = (ours - theirs).abs().max().item<double>();
    if (diff > 0) throw std::runtime_error(fmt::format("layer halves differ from run_layers by {}", diff));
    s.model->train(true);
  }

  const auto p = layer_params(*s.bert, 0);
  const auto x = torch::randn({batch, length, c.hidden_size}).requires_grad_(true);
  const auto h_after_attention = attention_half(p, x, c, true).detach().requires_grad_(true);

  const Timing embeddings = time_component(s, reps, [&] { return s.bert->embed(in.ids, in.types); });
  const Timing attention = time_component(s, reps, [&] { return attention_half(p, x, c, true); });
  const Timing feed_forward = time_component(s, reps, [&] { return feed_forward_half(p, h_after_attention, c, true); });
  const auto top_input = torch::randn({batch, length, c.hidden_size}).requires_grad_(true);
  const Timing heads = time_component(s, reps, [&] {
    EncoderOutput e{top_input, s.bert->pool(top_input), in.mask};
    return total_loss(s, e, in);
  });
  // The optimizer step, with every gradient present (as after a backward pass).
  clear_grads(s);
  total_loss(s, s.model->encode(in.ids, in.types, in.mask), in).backward();
  const double optimizer = median_time(reps, [&] { s.optimizer->step(); });
  const double clipping = median_time(reps, [&] { clip_gradients(s.params, kGradClip, *s.optimizer); });
  const double step = median_time(reps, [&] { train_step(s, in); });
  if (!trace.empty()) {
    s.bf16 = bf16;
    torch::autograd::profiler::RecordProfile record(trace);
    for (int r = 0; r < 3; ++r) train_step(s, in);
  }

  const double L = static_cast<double>(c.num_hidden_layers);
  struct Row {
    std::string name;
    double forward, backward;
  };
  const std::vector<Row> rows{
      {"embeddings", embeddings.forward, embeddings.backward},
      {fmt::format("attention (x{})", c.num_hidden_layers), L * attention.forward, L * attention.backward},
      {fmt::format("feed-forward (x{})", c.num_hidden_layers), L * feed_forward.forward, L * feed_forward.backward},
      {"pooler, heads, losses", heads.forward, heads.backward},
      {"gradient clipping (global norm)", clipping, 0.0},
      {"optimizer (AdamW step)", optimizer, 0.0},
  };
  double sum = 0;
  for (const auto& r : rows) sum += r.forward + r.backward;
  std::printf("\nprofile: shape %s (H=%lld, L=%lld, I=%lld), batch %lld x %lld tokens, threads %d, matmul %s\n",
              shape.c_str(), static_cast<long long>(c.hidden_size), static_cast<long long>(c.num_hidden_layers),
              static_cast<long long>(c.intermediate_size), static_cast<long long>(batch),
              static_cast<long long>(length), at::get_num_threads(), matmul_path_name(matmul_path()).c_str());
  std::printf("| component | forward (ms) | backward (ms) | total (ms) | share |\n| --- | ---: | ---: | ---: | ---: |\n");
  for (const auto& r : rows) {
    std::printf("| %s | %.1f | %.1f | %.1f | %.0f%% |\n", r.name.c_str(), 1e3 * r.forward, 1e3 * r.backward,
                1e3 * (r.forward + r.backward), 100.0 * (r.forward + r.backward) / sum);
  }
  std::printf("| sum of components | | | %.1f | |\n| measured whole step | | | %.1f | |\n", 1e3 * sum, 1e3 * step);
}

void scaling_row(plugin::Registry& registry, const std::string& shape, std::int64_t batch, std::int64_t length,
                 int reps) {
  Setup s = make_setup(registry, shape);
  const Inputs in = make_inputs(batch, length);
  s.model->train(false);
  const double encode = median_time(reps, [&] { encode_batch(s, in); });
  s.model->train(true);
  const double train = median_time(reps, [&] { train_step(s, in); });
  const double tokens = static_cast<double>(batch * length);
  const double flops = tokens * bert_forward_flops_per_token(s.config, static_cast<double>(length));
  std::printf("| %s | %lld | %lld | %.1f | %.0f | %.1f | %.1f | %.0f | %.1f |\n", shape.c_str(),
              static_cast<long long>(length), static_cast<long long>(batch), 1e3 * encode, tokens / encode,
              flops / encode / 1e9, 1e3 * train, tokens / train, 3 * flops / train / 1e9);
  std::fflush(stdout);
}

void scaling_header(const char* title) {
  std::printf("\n%s\n| shape | length | batch | encode (ms) | encode tokens/s | encode GFLOP/s | train step (ms) | "
              "train tokens/s | train GFLOP/s |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
              title);
}

}  // namespace

static int bench_main(int argc, char** argv) {
  mtlab::keep_freed_memory();  // before the first large allocation (heap_retention.h)
  std::string part = "all", shape = "base", adamw = "fused", grads = "release", trace, precision = "fp32";
  int threads = 2, reps = 3;
  std::int64_t length = 64, batch = 16;
  const bool go = read_options(argc, argv, kUsage, [&](const std::string& name, const char* value) {
    if (name == "--part") part = value;
    else if (name == "--threads") threads = std::stoi(value);
    else if (name == "--reps") reps = std::stoi(value);
    else if (name == "--shape") shape = value;
    else if (name == "--length") length = std::stoll(value);
    else if (name == "--batch") batch = std::stoll(value);
    else if (name == "--adamw") adamw = value;
    else if (name == "--grads") grads = value;
    else if (name == "--trace") trace = value;
    else if (name == "--precision") precision = value;
    else return false;
    return true;
  });
  if (!go) return 0;
  if (adamw != "fused" && adamw != "libtorch") throw std::runtime_error("--adamw: expected fused or libtorch");
  if (grads != "release" && grads != "zero") throw std::runtime_error("--grads: expected release or zero");
  const bool fused = adamw == "fused", release = grads == "release";
  set_threads(threads);
  plugin::Registry registry;
  registry.scan(plugin::Registry::default_search_path());
  const double gemm =
      std::max(gemm_rate(1024, 768, 3072, MatmulPath::blas), gemm_rate(1024, 768, 3072, MatmulPath::onednn));
  set_matmul_path(MatmulPath::onednn);
  std::printf("bench_profile: AdamW step %s, gradients %s, cpu %s, threads %d, matmul %s, best plain GEMM [1024 x 768] x [768 x 3072] %.1f GFLOP/s, "
              "median of %d after a warm-up\n",
              adamw.c_str(), grads.c_str(), describe_environment().cpu.c_str(), threads, matmul_path_name(matmul_path()).c_str(), gemm, reps);
  const bool all = part == "all";
  if (all || part == "profile") {
    if (all) {
      profile(registry, "base", 16, 64, reps, fused, release, "", false);
      profile(registry, "tiny", 32, 16, reps, fused, release, "", false);
    } else {
      profile(registry, shape, batch, length, reps, fused, release, trace, precision == "bf16");
    }
  }
  if (all || part == "length") {
    scaling_header("sequence length (batch 8):");
    for (const char* s : {"mini", "base"}) {
      for (std::int64_t t : {16, 32, 64, 128, 256, 512}) scaling_row(registry, s, 8, t, reps);
    }
  }
  if (all || part == "batch") {
    scaling_header("batch size (length 64):");
    for (const char* s : {"mini", "base"}) {
      for (std::int64_t b : {1, 2, 4, 8, 16, 32, 64}) scaling_row(registry, s, b, 64, reps);
    }
  }
  if (all || part == "size") {
    scaling_header("model size (batch 16, length 64):");
    for (const char* s : {"tiny", "mini", "small", "medium", "base"}) scaling_row(registry, s, 16, 64, reps);
  }
  std::printf("\npeak RSS %.0f MB\n", peak_rss_mb());
  return 0;
}

int main(int argc, char** argv) { return guarded_main("bench_profile", [&] { return bench_main(argc, argv); }); }
