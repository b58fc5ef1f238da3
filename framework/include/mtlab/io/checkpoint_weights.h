#pragma once
// The weights of a Hugging Face checkpoint folder: one model.safetensors, or
// shards listed in model.safetensors.index.json ("weight_map": name → file).
// A folder holding only pytorch_model.bin is an error that says how to convert it.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mtlab/io/safetensors.h"

namespace mtlab::io {

class CheckpointWeights {
 public:
  // Throws mtlab::Error naming the folder when there are no safetensors weights,
  // and naming the index or shard when one is broken.
  static CheckpointWeights open(const std::filesystem::path& folder);
  // True when `folder` holds model.safetensors or model.safetensors.index.json.
  static bool present(const std::filesystem::path& folder);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  const TensorInfo& info(const std::string& name) const;
  at::Tensor load(const std::string& name, std::optional<at::ScalarType> dtype = std::nullopt) const;
  void load_into(const std::string& name, const at::Tensor& target) const;  // SafetensorsFile::load_into
  // The file that holds `name` (for messages).
  std::filesystem::path file_of(const std::string& name) const;

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, std::size_t> owner_;  // tensor name → index into files_
};

}  // namespace mtlab::io
