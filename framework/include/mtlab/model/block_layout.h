#pragma once
// A backbone's parameter blocks by role, so freezing, layer-wise learning rates
// and the frozen-prefix cache need no block names of their own. A backbone lists
// its blocks bottom to top (Backbone::block_names()): first the input block (BERT:
// "embeddings"), then one block per layer in order (BERT: "layer.0" …), then any
// top blocks (BERT: "pooler").
#include <cstdint>
#include <string>
#include <vector>

namespace mtlab {

class BlockLayout {
 public:
  enum class Role { input, layer, top, other };

  // Throws mtlab::Error when `names` has fewer than 1 + num_layers blocks or repeats one.
  BlockLayout(std::vector<std::string> names, std::int64_t num_layers);

  const std::vector<std::string>& names() const { return names_; }
  const std::string& input() const { return names_.front(); }
  std::int64_t num_layers() const { return num_layers_; }
  const std::string& layer(std::int64_t i) const;  // 0 = bottom
  std::vector<std::string> layers() const;         // bottom to top
  std::vector<std::string> top() const;            // above the layers

  // `other` for a name that is not one of the blocks (a head's "head.NAME").
  Role role(const std::string& block) const;
  // The layer index of a layer block, -1 for any other.
  std::int64_t layer_index(const std::string& block) const;
  // The input block and the bottom `layers` layer blocks.
  std::vector<std::string> prefix(std::int64_t layers) const;

 private:
  std::vector<std::string> names_;
  std::int64_t num_layers_;
};

}  // namespace mtlab
