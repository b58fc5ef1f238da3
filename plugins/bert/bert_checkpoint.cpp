// BertModel ↔ Hugging Face checkpoint folders: key mapping, shape checks, save.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/io/checkpoint_weights.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/bert/bert_model.h"
#include "mtlab/text/load_tokenizer.h"

namespace mtlab {
namespace fs = std::filesystem;

namespace {

// DistilBERT's key names for BERT's, in an order where each replacement sees only
// keys no earlier one rewrote (attention's output before the feed-forward's).
constexpr std::pair<const char*, const char*> kDistilbertKeys[] = {
    {".attention.output.dense.", ".attention.out_lin."},
    {".attention.output.LayerNorm.", ".sa_layer_norm."},
    {".attention.self.query.", ".attention.q_lin."},
    {".attention.self.key.", ".attention.k_lin."},
    {".attention.self.value.", ".attention.v_lin."},
    {".intermediate.dense.", ".ffn.lin1."},
    {".output.dense.", ".ffn.lin2."},
    {".output.LayerNorm.", ".output_layer_norm."},
    {"encoder.layer.", "transformer.layer."},
};

void replace_first(std::string& key, std::string_view from, std::string_view to) {
  const auto at = key.find(from);
  if (at != std::string::npos) key.replace(at, from.size(), to);
}

// The name a checkpoint key has in BertModel: task models store the encoder under
// the family's prefix (`bert.`, `roberta.`, …), DistilBERT names its layers its
// own way, and old checkpoints name LayerNorm parameters gamma/beta (Hugging
// Face's _fix_key renames any key containing them).
std::string model_key(std::string key, const std::string& family) {
  if (key.rfind(family + ".", 0) == 0) key = key.substr(family.size() + 1);
  if (family == "distilbert") {
    for (auto it = std::rbegin(kDistilbertKeys); it != std::rend(kDistilbertKeys); ++it) replace_first(key, it->second, it->first);
  }
  for (const auto& [from, to] : {std::pair{"gamma", "weight"}, std::pair{"beta", "bias"}}) replace_first(key, from, to);
  return key;
}

// The family's own name for a BertModel key (what `transformers` reads back).
std::string checkpoint_key(std::string key, const std::string& family) {
  if (family == "distilbert") {
    for (const auto& [ours, theirs] : kDistilbertKeys) replace_first(key, ours, theirs);
  }
  return key;
}

std::string shape(at::IntArrayRef s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

std::string list_some(const std::vector<std::string>& names, std::size_t limit = 8) {
  std::vector<std::string> head(names.begin(), names.begin() + std::min(limit, names.size()));
  auto out = fmt::format("{}", fmt::join(head, ", "));
  if (names.size() > limit) out += fmt::format(" and {} more", names.size() - limit);
  return out;
}

}  // namespace

BertLoadReport BertModel::load_weights(const io::CheckpointWeights& weights, const std::string& where) {
  // Map every checkpoint key to the model key it feeds; an exact model key wins over a renamed one.
  std::map<std::string, std::string> source;  // model key → checkpoint key
  const auto names = weights.names();
  for (const auto& name : names) {
    const auto key = model_key(name, config_.model_type);
    auto it = source.find(key);
    if (it == source.end() || name == key) source[key] = name;
  }
  BertLoadReport report;
  std::set<std::string> used;
  std::vector<std::string> problems;
  bool pooler_missing = false;
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    auto it = source.find(p.key());
    if (it == source.end()) {
      if (p.key().rfind("pooler.", 0) == 0) {
        pooler_missing = true;
        continue;
      }
      problems.push_back(fmt::format("missing tensor '{}' (expected shape {})", p.key(), shape(p.value().sizes())));
      continue;
    }
    const auto& info = weights.info(it->second);
    if (info.shape != p.value().sizes().vec()) {
      problems.push_back(fmt::format("tensor '{}' has shape {} in {} but the model (config.json) expects {}",
                                     it->second, shape(info.shape), weights.file_of(it->second).filename().string(),
                                     shape(p.value().sizes())));
      continue;
    }
    // A float parameter loaded from integer or boolean data would be silently
    // converted to garbage weights: refuse it, as a wrong shape is refused.
    const auto dtype = info.dtype;
    if (dtype != io::DType::F32 && dtype != io::DType::F16 && dtype != io::DType::BF16 && dtype != io::DType::F64) {
      problems.push_back(fmt::format("tensor '{}' has dtype {} in {} but the model expects floating-point weights "
                                     "(F32, F16, BF16 or F64)",
                                     it->second, io::dtype_name(dtype), weights.file_of(it->second).filename().string()));
      continue;
    }
    used.insert(it->second);
  }
  if (!problems.empty()) {
    throw Error(fmt::format("{}: {}", where, fmt::join(problems, "; ")));
  }
  for (auto& p : named_parameters()) {
    auto it = source.find(p.key());
    if (it == source.end()) continue;
    weights.load_into(it->second, p.value());  // straight into the parameter: no second copy of the model
  }
  for (const auto& name : names) {
    if (!used.count(name)) report.unused.push_back(name);
  }
  // A task model's head (BertForMaskedLM's cls.*) is expected to stay behind: said, not warned.
  std::vector<std::string> heads, others;
  for (const auto& name : report.unused) (name.rfind("cls.", 0) == 0 ? heads : others).push_back(name);
  if (!others.empty()) {
    log::warn("{}: {} checkpoint tensor(s) not used by the {} backbone: {}", where, others.size(),
              config_.family_name(), list_some(others));
  }
  if (!heads.empty()) log::info("{}: the checkpoint's task head ({} tensor(s) cls.*) is not part of the encoder", where, heads.size());
  if (pooler_missing) {
    for (auto& p : named_parameters()) {
      if (p.key().rfind("pooler.", 0) != 0) continue;
      if (p.key().find("bias") != std::string::npos) {
        p.value().zero_();
      } else {
        p.value().normal_(0.0, config_.initializer_range);
      }
    }
    report.pooler_initialized = true;
    log::warn("{}: the checkpoint has no pooler (pooler.dense.*); it is freshly initialised, so pooler outputs are "
              "random until trained",
              where);
  }
  return report;
}

std::shared_ptr<BertModel> BertModel::from_folder(const fs::path& folder, BertModelOptions options,
                                                  BertLoadReport* report) {
  try {
    auto config = BertConfig::from_file(folder / "config.json");
    if (!options.model_type.empty() && config.model_type != options.model_type) {
      throw Error(fmt::format("{}: model_type \"{}\" is not a {} folder; its backbone plugin is \"{}\"",
                              (folder / "config.json").string(), config.model_type, options.model_type, config.model_type));
    }
    auto weights = io::CheckpointWeights::open(folder);
    auto tokenizer = load_tokenizer_folder(folder);
    // Build on the CPU in float32, load, then move: loading converts F16/BF16 files.
    auto target = options;
    options.device = "cpu";
    options.dtype = "float32";
    auto model = std::make_shared<BertModel>(std::move(config), std::move(tokenizer), options);
    auto r = model->load_weights(weights, folder.string());
    if (!model->config().has_pooler()) {
      log::info("{}: {} has no pooler; its pooled vector is the first token's state", folder.string(),
                model->config().family_name());
    }
    if (report) *report = r;
    model->options_ = target;
    model->place();
    model->eval();
    return model;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}", folder.string(), e.what()));
  }
}

void BertModel::save(const fs::path& folder) const {
  fs::create_directories(folder);
  config_.save(folder / "config.json");
  NamedTensors tensors;
  for (const auto& p : named_parameters()) {
    tensors.emplace_back(checkpoint_key(p.key(), config_.model_type), p.value().detach().to(torch::kCPU));
  }
  io::save_safetensors(folder / "model.safetensors", tensors);
  tokenizer().save(folder);
}

void BertModel::save_with_lm_head(const fs::path& folder, const LmHeadWeights& head) const {
  if (config_.model_type != "bert") {
    Backbone::save_with_lm_head(folder, head);
    return;
  }
  fs::create_directories(folder);
  auto config = config_.to_json();
  config["architectures"] = nlohmann::json::array({"BertForMaskedLM"});
  io::write_file_atomically(folder / "config.json", config.dump(2) + "\n");
  NamedTensors tensors;
  const auto cpu = [](const at::Tensor& t) { return t.detach().to(torch::kCPU).contiguous(); };
  for (const auto& p : named_parameters()) tensors.emplace_back("bert." + p.key(), cpu(p.value()));
  // The names and the tied pair (decoder.weight = the word embeddings, decoder.bias = bias) of BertForMaskedLM's state_dict.
  const std::pair<const char*, const at::Tensor*> lm[] = {
      {"cls.predictions.bias", &head.bias},
      {"cls.predictions.transform.dense.weight", &head.dense_weight},
      {"cls.predictions.transform.dense.bias", &head.dense_bias},
      {"cls.predictions.transform.LayerNorm.weight", &head.norm_weight},
      {"cls.predictions.transform.LayerNorm.bias", &head.norm_bias},
      {"cls.predictions.decoder.weight", &head.decoder_weight},
      {"cls.predictions.decoder.bias", &head.bias},
  };
  for (const auto& [name, tensor] : lm) tensors.emplace_back(name, cpu(*tensor));
  io::save_safetensors(folder / "model.safetensors", tensors);
  tokenizer().save(folder);
}

}  // namespace mtlab
