#pragma once
// Where the runner's trials come from. The runner asks for the next trial until
// the source has none, and tells the source how each one ended. The order, and
// for adaptive search the trials themselves, are the source's business: the
// expanded sweep in order today; a queue shared by workers or a sampler that
// stops weak trials early are further sources, not changes to the runner.
#include <cstddef>
#include <optional>
#include <vector>

#include "mtlab/spec/trial.h"

namespace mtlab::spec {

// How the runner left a trial it took from a source.
enum class TrialEnd {
  completed,    // trained and recorded (now or by an earlier run: see skipped)
  skipped,      // not run: already done, or given up (see the log)
  taken,        // not run: another live process is running it (ask again later)
  failed,       // its error is recorded
  interrupted,  // Ctrl-C or a stopped child: the sweep stops after this one
  pruned,       // stopped early by [sweep.prune] (ASHA may promote it later)
};

class TrialSource {
 public:
  virtual ~TrialSource() = default;
  // The next trial to run; nullopt once the source is exhausted.
  virtual std::optional<Trial> next() = 0;
  // How a trial handed out by next() ended. Adaptive sources decide from it.
  virtual void finished(const Trial& /*trial*/, TrialEnd /*end*/) {}
};

// The expanded sweep, in sweep order: each trial once.
class SweepSource : public TrialSource {
 public:
  explicit SweepSource(std::vector<Trial> trials) : trials_(std::move(trials)) {}
  std::optional<Trial> next() override;

 private:
  std::vector<Trial> trials_;
  std::size_t position_ = 0;
};

}  // namespace mtlab::spec
