#include "revisit_source.h"

#include <algorithm>
#include <thread>

#include "mtlab/core/log.h"
#include "mtlab/train/interrupt.h"

namespace mtlab::cli {

RevisitSource::RevisitSource(std::vector<spec::Trial> trials, std::chrono::milliseconds pause)
    : pass_(std::move(trials)), pause_(pause) {}

std::optional<spec::Trial> RevisitSource::next() {
  if (position_ == pass_.size() && !revisit_.empty()) {
    log::info("waiting for {} trial(s) that other workers are running", revisit_.size());
    // Sleep in short steps so that Ctrl-C is not kept waiting.
    const auto until = std::chrono::steady_clock::now() + pause_;
    while (std::chrono::steady_clock::now() < until && !interrupt_requested()) {
      std::this_thread::sleep_for(std::min(pause_, std::chrono::milliseconds(100)));
    }
    if (interrupt_requested()) return std::nullopt;
    pass_.swap(revisit_);
    revisit_.clear();
    position_ = 0;
  }
  if (position_ == pass_.size()) return std::nullopt;
  return pass_[position_++];
}

void RevisitSource::finished(const spec::Trial& trial, spec::TrialEnd end) {
  if (end == spec::TrialEnd::taken) revisit_.push_back(trial);
}

}  // namespace mtlab::cli
