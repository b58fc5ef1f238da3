#include "mtlab/model/backbone.h"

#include <fmt/format.h>

#include <typeinfo>

namespace mtlab {

BlockLayout Backbone::block_layout() const { return BlockLayout(block_names(), num_layers()); }

// Unknown architectures get their own address: no sharing between backbones,
// only between uses of this one.
std::string Backbone::architecture_fingerprint() const {
  return fmt::format("{} at {}", typeid(*this).name(), static_cast<const void*>(this));
}

}  // namespace mtlab
