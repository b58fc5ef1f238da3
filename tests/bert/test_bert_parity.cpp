// Parity with Hugging Face transformers 4.33.3 and sentence-transformers 2.3.1
// on the tiny-bert fixtures (reference.json written by the real libraries).
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mtlab/bert/bert_model.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/sentence_encoder.h"
#include "reference.h"

using mtlab::test::max_abs_diff;
using mtlab::test::to_tensor;

namespace {

constexpr double kTol = 1e-5;

std::shared_ptr<mtlab::BertModel> tiny_bert() {
  static auto model = mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert");
  return model;
}

// Restores the process-wide matmul path after a test switches it.
struct PathGuard {
  mtlab::MatmulPath saved = mtlab::matmul_path();
  ~PathGuard() { mtlab::set_matmul_path(saved); }
};

std::vector<mtlab::MatmulPath> paths() { return {mtlab::MatmulPath::blas, mtlab::MatmulPath::onednn}; }

}  // namespace

TEST_CASE("parameter names are Hugging Face's state-dict keys", "[bert][parity]") {
  const auto& ref = mtlab::test::load_reference("tiny-bert");
  std::vector<std::string> keys;
  for (const auto& p : tiny_bert()->named_parameters()) keys.push_back(p.key());
  std::sort(keys.begin(), keys.end());
  CHECK(keys == ref["model"]["state_dict_keys"].get<std::vector<std::string>>());
}

TEST_CASE("every reference case matches Hugging Face within 1e-5", "[bert][parity]") {
  const auto& ref = mtlab::test::load_reference("tiny-bert");
  auto model = tiny_bert();
  PathGuard guard;
  for (auto path : paths()) {
    mtlab::set_matmul_path(path);
    for (const auto& c : ref["cases"]) {
      INFO("case " << c["id"].get<std::string>() << " on matmul path " << mtlab::matmul_path_name(path));
      torch::InferenceMode inference;
      const auto ids = mtlab::test::ids_row(c["input_ids"]);
      const auto types = mtlab::test::ids_row(c["token_type_ids"]);
      const auto mask = mtlab::test::ids_row(c["attention_mask"]);
      const auto out = model->forward(ids, types, mask);
      CHECK(max_abs_diff(out.token_states[0], to_tensor(c["last_hidden_state"])) < kTol);
      CHECK(max_abs_diff(out.pooled[0], to_tensor(c["pooler_output"])) < kTol);
      const auto mean = mtlab::pool_batch(mtlab::Pooling::mean, out.token_states, out.attention_mask, out.pooled);
      CHECK(max_abs_diff(mean[0], to_tensor(c["mean_pooled"])) < kTol);
    }
  }
}

TEST_CASE("the tokenizer gives the reference ids, so text in gives the reference out", "[bert][parity]") {
  const auto& ref = mtlab::test::load_reference("tiny-bert");
  auto model = tiny_bert();
  for (const auto& c : ref["cases"]) {
    if (c["kind"] != "single") continue;
    INFO(c["id"].get<std::string>());
    CHECK(model->tokenizer().encode(c["text"].get<std::string>()).input_ids ==
          c["input_ids"].get<std::vector<std::int64_t>>());
  }
}

TEST_CASE("Hugging Face's padded batch matches, and padding changes nothing", "[bert][parity]") {
  const auto& ref = mtlab::test::load_reference("tiny-bert");
  const auto& b = ref["batch"];
  auto model = tiny_bert();
  torch::InferenceMode inference;
  const auto ids = to_tensor(b["input_ids"], torch::kLong);
  const auto types = to_tensor(b["token_type_ids"], torch::kLong);
  const auto mask = to_tensor(b["attention_mask"], torch::kLong);
  const auto out = model->forward(ids, types, mask);
  const auto real = mask.to(torch::kBool).unsqueeze(-1).expand_as(out.token_states);
  const auto ref_states = to_tensor(b["last_hidden_state"]);
  CHECK(max_abs_diff(out.token_states.masked_select(real), ref_states.masked_select(real)) < kTol);
  CHECK(max_abs_diff(out.pooled, to_tensor(b["pooler_output"])) < kTol);
  const auto mean = mtlab::pool_batch(mtlab::Pooling::mean, out.token_states, out.attention_mask, out.pooled);
  CHECK(max_abs_diff(mean, to_tensor(b["mean_pooled"])) < kTol);
  // Each row of the padded batch equals that sentence encoded alone.
  for (std::int64_t r = 0; r < ids.size(0); ++r) {
    const auto n = mask[r].sum().item<std::int64_t>();
    const auto alone = model->forward(ids[r].narrow(0, 0, n).unsqueeze(0), types[r].narrow(0, 0, n).unsqueeze(0),
                                      mask[r].narrow(0, 0, n).unsqueeze(0));
    CHECK(max_abs_diff(alone.token_states[0], out.token_states[r].narrow(0, 0, n)) < kTol);
    CHECK(max_abs_diff(alone.pooled[0], out.pooled[r]) < kTol);
  }
}

TEST_CASE("sentence-transformers folders encode as SentenceTransformer.encode does", "[bert][parity][st]") {
  for (const std::string fixture : {"tiny-bert-st", "tiny-bert-st-cls"}) {
    INFO(fixture);
    const auto& ref = mtlab::test::load_reference(fixture);
    auto folder = mtlab::read_encoder_folder(mtlab::test::fixtures_dir() / fixture);
    REQUIRE(folder.sentence_transformers);
    folder.options.batch_size = 8;
    mtlab::SentenceEncoder encoder(mtlab::BertModel::from_folder(folder.transformer_folder), folder.options);
    std::vector<mtlab::SentenceInput> inputs;
    for (const auto& c : ref["cases"]) inputs.push_back({c["text"].get<std::string>(), std::nullopt});
    const auto got = encoder.encode(inputs);
    REQUIRE(got.size(0) == static_cast<std::int64_t>(inputs.size()));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      INFO(ref["cases"][i]["id"].get<std::string>());
      CHECK(max_abs_diff(got[static_cast<std::int64_t>(i)], to_tensor(ref["cases"][i]["embedding"])) < kTol);
    }
  }
}

TEST_CASE("the forward in slices equals the whole forward", "[bert][slices]") {
  const auto& ref = mtlab::test::load_reference("tiny-bert");
  auto model = tiny_bert();
  torch::InferenceMode inference;
  const auto& c = ref["cases"][0];
  const auto ids = mtlab::test::ids_row(c["input_ids"]);
  const auto types = mtlab::test::ids_row(c["token_type_ids"]);
  const auto mask = mtlab::test::ids_row(c["attention_mask"]);
  const auto whole = model->forward(ids, types, mask);
  auto h = model->embed(ids, types);
  h = model->run_layers(h, mask, 0, 1);  // a cached frozen prefix would stop here
  h = model->run_layers(h, mask, 1, 2);
  CHECK(torch::equal(h, whole.token_states));
  CHECK(torch::equal(model->pool(h), whole.pooled));
  CHECK_THROWS(model->run_layers(h, mask, 1, 3));
}

TEST_CASE("parameter blocks cover every parameter once", "[bert][blocks]") {
  auto model = tiny_bert();
  CHECK(model->block_names() == std::vector<std::string>{"embeddings", "layer.0", "layer.1", "pooler"});
  std::set<std::string> seen;
  for (const auto& block : model->block_names()) {
    for (const auto& [name, tensor] : model->block_parameters(block)) CHECK(seen.insert(name).second);
  }
  CHECK(seen.size() == model->named_parameters().size());
  CHECK(model->block_parameters("layer.1").size() == 16);
  CHECK(model->block_parameters("embeddings").front().first.rfind("embeddings.", 0) == 0);
  CHECK_THROWS_WITH(model->block_parameters("layer.7"), Catch::Matchers::Contains("no parameter block"));
}

TEST_CASE("dropout acts only in training mode", "[bert][train]") {
  auto model = mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert");
  const auto ids = torch::tensor({101, 7404, 2003, 102}, torch::kLong).unsqueeze(0);
  const auto types = torch::zeros_like(ids), mask = torch::ones_like(ids);
  torch::NoGradGuard no_grad;
  const auto a = model->forward(ids, types, mask).token_states;
  CHECK(torch::equal(a, model->forward(ids, types, mask).token_states));
  model->train();
  CHECK_FALSE(torch::allclose(a, model->forward(ids, types, mask).token_states));
  model->eval();
  CHECK(torch::allclose(a, model->forward(ids, types, mask).token_states));
}

namespace {

// BertModel's forward written out from Hugging Face's formulas, op by op, as an
// independent check that works where the tiny fixture's small weights cannot
// tell activations apart.
torch::Tensor reference_forward(mtlab::BertModel& m, const torch::Tensor& ids, const torch::Tensor& mask) {
  auto p = m.named_parameters();
  const auto& c = m.config();
  const auto H = c.hidden_size, heads = c.num_attention_heads, dh = H / heads;
  const auto B = ids.size(0), T = ids.size(1);
  auto ln = [&](const torch::Tensor& x, const std::string& prefix) {
    auto mean = x.mean(-1, true);
    auto var = (x - mean).pow(2).mean(-1, true);
    return (x - mean) / (var + c.layer_norm_eps).sqrt() * p[prefix + ".weight"] + p[prefix + ".bias"];
  };
  auto lin = [&](const torch::Tensor& x, const std::string& prefix) {
    return x.matmul(p[prefix + ".weight"].t()) + p[prefix + ".bias"];
  };
  auto act = [&](const torch::Tensor& x) {
    if (c.hidden_act == "gelu") return 0.5 * x * (1 + torch::erf(x / std::sqrt(2.0)));
    if (c.hidden_act == "relu") return x.clamp_min(0);
    return 0.5 * x * (1 + torch::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x.pow(3))));
  };
  auto h = p["embeddings.word_embeddings.weight"].index_select(0, ids.flatten()).view({B, T, H}) +
           p["embeddings.position_embeddings.weight"].narrow(0, 0, T) + p["embeddings.token_type_embeddings.weight"][0];
  h = ln(h, "embeddings.LayerNorm");
  const auto add = ((1 - mask.to(torch::kFloat)) * std::numeric_limits<float>::lowest()).view({B, 1, 1, T});
  for (std::int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto pre = "encoder.layer." + std::to_string(l) + ".";
    auto split = [&](const torch::Tensor& x) { return x.view({B, T, heads, dh}).permute({0, 2, 1, 3}); };
    auto q = split(lin(h, pre + "attention.self.query")), k = split(lin(h, pre + "attention.self.key")),
         v = split(lin(h, pre + "attention.self.value"));
    auto probs = torch::softmax(q.matmul(k.transpose(-1, -2)) / std::sqrt(double(dh)) + add, -1);
    auto ctx = probs.matmul(v).permute({0, 2, 1, 3}).reshape({B, T, H});
    auto h1 = ln(lin(ctx, pre + "attention.output.dense") + h, pre + "attention.output.LayerNorm");
    h = ln(lin(act(lin(h1, pre + "intermediate.dense")), pre + "output.dense") + h1, pre + "output.LayerNorm");
  }
  return h;
}

}  // namespace

TEST_CASE("every hidden_act matches Hugging Face's formula, padding masked", "[bert][act]") {
  std::vector<std::string> tokens{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int i = 0; i < 45; ++i) tokens.push_back("t" + std::to_string(i));
  const auto ids = torch::tensor({2, 7, 9, 11, 3, 2, 8, 3, 0, 0}, torch::kLong).view({2, 5});
  const auto mask = (ids != 0).to(torch::kLong);
  std::map<std::string, torch::Tensor> outputs;
  PathGuard guard;
  for (const std::string act : {"gelu", "gelu_new", "relu"}) {
    mtlab::BertConfig config;
    config.vocab_size = 50;
    config.hidden_size = 32;
    config.num_hidden_layers = 2;
    config.num_attention_heads = 4;
    config.intermediate_size = 64;
    config.max_position_embeddings = 16;
    config.hidden_act = act;
    config.layer_norm_eps = 1e-5;
    torch::manual_seed(11);
    mtlab::BertModel model(config, mtlab::BertTokenizer(mtlab::Vocab(tokens), {}));
    model.eval();
    torch::NoGradGuard no_grad;
    for (auto& p : model.named_parameters()) p.value().normal_(0.0, 0.5);  // large enough to tell activations apart
    const auto expected = reference_forward(model, ids, mask);
    for (auto path : paths()) {
      mtlab::set_matmul_path(path);
      INFO(act << " on " << mtlab::matmul_path_name(path));
      const auto out = model.forward(ids, torch::zeros_like(ids), mask);
      CHECK(max_abs_diff(out.token_states[0], expected[0]) < 1e-5);
      CHECK(max_abs_diff(out.token_states[1].narrow(0, 0, 3), expected[1].narrow(0, 0, 3)) < 1e-5);
      outputs[act] = out.token_states[0];
    }
  }
  CHECK(max_abs_diff(outputs["gelu"], outputs["gelu_new"]) > 1e-4);
  CHECK(max_abs_diff(outputs["gelu"], outputs["relu"]) > 1e-3);
}

TEST_CASE("training on the oneDNN path gives BLAS's gradients within fp32 tolerance", "[bert][train][matmul]") {
  // The same model, loss and batch; gradients of every parameter on both paths.
  auto grads_on = [](mtlab::MatmulPath path) {
    PathGuard guard;
    mtlab::set_matmul_path(path);
    auto model = mtlab::BertModel::from_folder(mtlab::test::fixtures_dir() / "tiny-bert");
    model->eval();  // no dropout: the two passes see the same function
    auto ids = torch::tensor({{101, 7404, 2003, 102, 0, 0}, {101, 2003, 7404, 2003, 7404, 102}}, torch::kLong);
    auto mask = (ids != 0).to(torch::kLong);
    auto out = model->forward(ids, torch::zeros_like(ids), mask);
    (out.token_states.pow(2).mean() + out.pooled.sum()).backward();
    std::map<std::string, at::Tensor> grads;
    for (const auto& p : model->named_parameters()) {
      if (p.value().grad().defined()) grads[p.key()] = p.value().grad().clone();
    }
    return grads;
  };
  const auto blas = grads_on(mtlab::MatmulPath::blas);
  const auto onednn = grads_on(mtlab::MatmulPath::onednn);
  REQUIRE(blas.size() == onednn.size());
  REQUIRE(blas.size() > 20);
  for (const auto& [name, g] : blas) {
    INFO(name);
    const double scale = std::max(1e-3, g.abs().max().item<double>());
    CHECK((g - onednn.at(name)).abs().max().item<double>() <= 1e-4 * scale);
  }
}
