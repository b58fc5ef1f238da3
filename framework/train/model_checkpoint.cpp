#include "mtlab/train/model_checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/train/multitask_model.h"

namespace mtlab {
namespace fs = std::filesystem;

std::vector<fs::path> save_model_folder(MultiTaskModel& model, const nlohmann::json& manifest, const fs::path& folder) {
  fs::create_directories(folder);
  // A masked-LM head goes into the backbone's checkpoint too (BertForMaskedLM); the first one, if several.
  std::optional<LmHeadWeights> lm;
  for (const auto& [task, head] : model.heads()) {
    if (!lm) lm = head->lm_head_weights();
  }
  if (lm) {
    model.backbone().save_with_lm_head(folder, *lm);
  } else {
    model.backbone().save(folder);
  }
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& [task, head] : model.heads()) {
    for (const auto& item : head->named_parameters()) {
      tensors.emplace_back(task + "." + item.key(), item.value().detach().to(torch::kCPU).contiguous());
    }
    for (const auto& item : head->named_buffers()) {
      tensors.emplace_back(task + "." + item.key(), item.value().detach().to(torch::kCPU).contiguous());
    }
  }
  io::save_safetensors(folder / "heads.safetensors", tensors);
  io::write_file_atomically(folder / "heads.json", manifest.dump(2) + "\n");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json read_model_manifest(const fs::path& folder) {
  const fs::path file = folder / "heads.json";
  std::ifstream in(file);
  if (!in) throw Error(fmt::format("{}: no heads.json; is this a model folder saved by mtlab?", folder.string()));
  try {
    auto json = nlohmann::json::parse(in);
    if (!json.is_object() || !json.contains("tasks") || !json["tasks"].is_array()) {
      throw Error("expected an object with a \"tasks\" array");
    }
    return json;
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}", file.string(), e.what()));
  }
}

void load_head_weights(MultiTaskModel& model, const fs::path& folder, const std::vector<std::string>& tasks) {
  const fs::path file = folder / "heads.safetensors";
  auto st = io::SafetensorsFile::open(file);
  torch::NoGradGuard guard;
  for (const auto& task : tasks) {
    auto& head = model.head(task);
    auto assign = [&](const std::string& key, at::Tensor target) {
      const std::string name = task + "." + key;
      if (!st.contains(name)) throw Error(fmt::format("{}: no tensor '{}' for task '{}'", file.string(), name, task));
      at::Tensor value = st.load(name, target.scalar_type());
      if (value.sizes() != target.sizes()) {
        throw Error(fmt::format("{}: tensor '{}' has shape {} but the head expects {}", file.string(), name,
                                fmt::join(value.sizes(), "x"), fmt::join(target.sizes(), "x")));
      }
      target.copy_(value);
    };
    for (auto& item : head.named_parameters()) assign(item.key(), item.value());
    for (auto& item : head.named_buffers()) assign(item.key(), item.value());
  }
}

}  // namespace mtlab
