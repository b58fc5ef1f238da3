#include "mtlab/model/block_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mtlab/core/error.h"

namespace mtlab {

BlockLayout::BlockLayout(std::vector<std::string> names, std::int64_t num_layers)
    : names_(std::move(names)), num_layers_(num_layers) {
  if (num_layers_ < 0 || static_cast<std::int64_t>(names_.size()) < 1 + num_layers_) {
    throw Error(fmt::format("a backbone with {} layer(s) must name at least {} blocks (input, layers, top), got {}",
                            num_layers_, 1 + num_layers_, names_.size()));
  }
  if (std::set<std::string>(names_.begin(), names_.end()).size() != names_.size()) {
    throw Error(fmt::format("a backbone names a block twice: {}", fmt::join(names_, ", ")));
  }
}

const std::string& BlockLayout::layer(std::int64_t i) const {
  if (i < 0 || i >= num_layers_) throw Error(fmt::format("layer {} of a {}-layer backbone", i, num_layers_));
  return names_[static_cast<std::size_t>(1 + i)];
}

std::vector<std::string> BlockLayout::layers() const {
  return {names_.begin() + 1, names_.begin() + 1 + num_layers_};
}

std::vector<std::string> BlockLayout::top() const { return {names_.begin() + 1 + num_layers_, names_.end()}; }

std::int64_t BlockLayout::layer_index(const std::string& block) const {
  const auto it = std::find(names_.begin(), names_.end(), block);
  const auto i = static_cast<std::int64_t>(it - names_.begin()) - 1;
  return it != names_.end() && i >= 0 && i < num_layers_ ? i : -1;
}

BlockLayout::Role BlockLayout::role(const std::string& block) const {
  const auto it = std::find(names_.begin(), names_.end(), block);
  if (it == names_.end()) return Role::other;
  if (it == names_.begin()) return Role::input;
  return it - names_.begin() <= num_layers_ ? Role::layer : Role::top;
}

std::vector<std::string> BlockLayout::prefix(std::int64_t layers) const {
  std::vector<std::string> out{input()};
  for (std::int64_t i = 0; i < layers; ++i) out.push_back(layer(i));
  return out;
}

}  // namespace mtlab
