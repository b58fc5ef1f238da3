// Exports a descriptor with a future ABI version: the loader must refuse it
// after reading only the version field.
#include "mtlab/plugin/descriptor.h"

extern "C" __attribute__((visibility("default"))) const mtlab::plugin::Descriptor* mtlab_plugin_descriptor() {
  static const mtlab::plugin::Descriptor d{mtlab::plugin::kAbiVersion + 41, mtlab::plugin::Kind::loss, "future",
                                           "9.9", "from the future", nullptr, 0, nullptr};
  return &d;
}
