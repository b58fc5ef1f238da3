#include "mtlab/model/backbone.h"

#include <fmt/format.h>

#include <typeinfo>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"

namespace mtlab {

BlockLayout Backbone::block_layout() const { return BlockLayout(block_names(), num_layers()); }

// Unknown architectures get their own address: no sharing between backbones,
// only between uses of this one.
std::string Backbone::architecture_fingerprint() const {
  return fmt::format("{} at {}", typeid(*this).name(), static_cast<const void*>(this));
}

at::Tensor Backbone::input_embeddings() {
  throw Error(fmt::format("{}: this backbone offers no input word embeddings to tie a head's decoder to "
                          "(Backbone::input_embeddings)",
                          typeid(*this).name()));
}

void Backbone::save_with_lm_head(const std::filesystem::path& folder, const LmHeadWeights& /*head*/) const {
  log::warn("{}: this backbone writes no masked-LM head into its checkpoint; the head is saved in heads.safetensors "
            "only",
            folder.string());
  save(folder);
}

}  // namespace mtlab
