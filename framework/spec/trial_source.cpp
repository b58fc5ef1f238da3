#include "mtlab/spec/trial_source.h"

namespace mtlab::spec {

std::optional<Trial> SweepSource::next() {
  if (position_ >= trials_.size()) return std::nullopt;
  return trials_[position_++];
}

}  // namespace mtlab::spec
