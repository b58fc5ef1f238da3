// A head plugin whose factory always throws.
#include <stdexcept>

#include "mtlab/core/config.h"
#include "mtlab/plugin/descriptor.h"

namespace {
std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config&) {
  throw std::runtime_error("cannot build a head without coffee");
}
}  // namespace

MTLAB_PLUGIN(head, "throwing", "0.1", "a head whose factory throws", MTLAB_NO_KEYS, create)
