#include "mtlab/io/checkpoint_weights.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "mtlab/core/error.h"

namespace mtlab::io {
namespace fs = std::filesystem;

namespace {

constexpr const char* kSingle = "model.safetensors";
constexpr const char* kIndex = "model.safetensors.index.json";

[[noreturn]] void no_safetensors(const fs::path& folder) {
  if (fs::exists(folder / "pytorch_model.bin") || fs::exists(folder / "pytorch_model.bin.index.json")) {
    throw Error(fmt::format(
        "{}: has only pytorch_model.bin; mtlab reads safetensors weights (pickle files can run code). Convert once "
        "with Python: python -c \"from transformers import AutoModel; "
        "AutoModel.from_pretrained('{}').save_pretrained('{}', safe_serialization=True)\"  (or "
        "safetensors.torch.save_file(torch.load('pytorch_model.bin'), 'model.safetensors', metadata={{'format': "
        "'pt'}}))",
        folder.string(), folder.string(), folder.string()));
  }
  if (!fs::is_directory(folder)) throw Error(fmt::format("{}: no such checkpoint folder", folder.string()));
  throw Error(fmt::format("{}: no {} or {} in this folder", folder.string(), kSingle, kIndex));
}

}  // namespace

bool CheckpointWeights::present(const fs::path& folder) {
  return fs::exists(folder / kSingle) || fs::exists(folder / kIndex);
}

CheckpointWeights CheckpointWeights::open(const fs::path& folder) {
  CheckpointWeights out;
  auto add_file = [&](const fs::path& file) {
    out.files_.push_back(SafetensorsFile::open(file));
    return out.files_.size() - 1;
  };
  if (fs::exists(folder / kSingle)) {
    const auto i = add_file(folder / kSingle);
    for (const auto& t : out.files_[i].tensors()) out.owner_[t.name] = i;
    return out;
  }
  if (!fs::exists(folder / kIndex)) no_safetensors(folder);

  const fs::path index_path = folder / kIndex;
  nlohmann::json index;
  try {
    std::ifstream in(index_path);
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON ({})", index_path.string(), e.what()));
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw Error(fmt::format("{}: expected an object with a \"weight_map\" object (tensor name → shard file)",
                            index_path.string()));
  }
  std::map<std::string, std::size_t> shard_ids;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string()) throw Error(fmt::format("{}: weight_map[\"{}\"] is not a file name", index_path.string(), name));
    const fs::path rel = shard.get<std::string>();
    // Shards live in the folder itself: no absolute paths, no climbing out.
    if (rel.is_absolute() || rel.empty() || rel.filename() != rel) {
      throw Error(fmt::format("{}: weight_map[\"{}\"] = \"{}\" is not a plain file name in the folder",
                              index_path.string(), name, rel.string()));
    }
    auto it = shard_ids.find(rel.string());
    if (it == shard_ids.end()) it = shard_ids.emplace(rel.string(), add_file(folder / rel)).first;
    if (!out.files_[it->second].contains(name)) {
      throw Error(fmt::format("{}: the index puts '{}' in {}, which does not hold it", index_path.string(), name,
                              rel.string()));
    }
    out.owner_[name] = it->second;
  }
  return out;
}

std::vector<std::string> CheckpointWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [name, i] : owner_) out.push_back(name);
  return out;
}

bool CheckpointWeights::contains(const std::string& name) const { return owner_.count(name) > 0; }

const TensorInfo& CheckpointWeights::info(const std::string& name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) throw Error(fmt::format("checkpoint has no tensor '{}'", name));
  return files_[it->second].info(name);
}

void CheckpointWeights::load_into(const std::string& name, const at::Tensor& target) const {
  const auto it = owner_.find(name);
  if (it == owner_.end()) throw Error(fmt::format("checkpoint has no tensor '{}'", name));
  files_[it->second].load_into(name, target);
}

at::Tensor CheckpointWeights::load(const std::string& name, std::optional<at::ScalarType> dtype) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) throw Error(fmt::format("checkpoint has no tensor '{}'", name));
  return files_[it->second].load(name, dtype);
}

fs::path CheckpointWeights::file_of(const std::string& name) const {
  auto it = owner_.find(name);
  return it == owner_.end() ? fs::path() : files_[it->second].path();
}

}  // namespace mtlab::io
