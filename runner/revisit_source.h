#pragma once
// A worker's trial source: every trial of the sweep in order, then again each
// one that another live worker held (TrialEnd::taken), after a pause, until
// none is left. So a worker stays while others run, and claims a trial again
// the moment its worker is known dead (at once on this host, after
// experiment.heartbeat_timeout elsewhere) — no trial is left to a dead worker.
#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "mtlab/spec/trial_source.h"

namespace mtlab::cli {

class RevisitSource : public spec::TrialSource {
 public:
  RevisitSource(std::vector<spec::Trial> trials, std::chrono::milliseconds pause);
  std::optional<spec::Trial> next() override;
  void finished(const spec::Trial& trial, spec::TrialEnd end) override;

 private:
  std::vector<spec::Trial> pass_;     // this pass's trials
  std::vector<spec::Trial> revisit_;  // taken by others during it
  std::size_t position_ = 0;
  std::chrono::milliseconds pause_;
};

}  // namespace mtlab::cli
