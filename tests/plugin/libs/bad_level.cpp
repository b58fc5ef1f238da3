// A loss that declares a head's level: the loader must refuse it, naming the file.
#include "mtlab/plugin/descriptor.h"

namespace {
std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config&) { return nullptr; }
}  // namespace

MTLAB_PLUGIN_DESCRIPTOR_(loss, "leveled_loss", "0.1", "a loss with a level", MTLAB_NO_KEYS, create, "token", nullptr, nullptr)
