// train()'s resume checkpoints: written after the records they cover are
// flushed, so a resumed run drops only records made after its checkpoint
// (Recorder::rewind); loaded before the first epoch; removed when the run completes.
#include <sstream>

#include "mtlab/core/log.h"
#include "trainer_run.h"

namespace mtlab::detail {

namespace fs = std::filesystem;

ResumeTensors TrainRun::resume_tensors() { return {&model_, optimizer_.get(), &log_variance_, &best_}; }

void TrainRun::save_checkpoint(std::int64_t epoch, std::size_t position, const std::string& data_rng, bool finished) {
  if (checkpoint_file_.empty() || batches_done_ % o_.grad_accumulation != 0 || !root()) return;
  recorder_.flush();
  ResumeState state{epoch,    static_cast<std::int64_t>(position), step_, batches_done_, static_cast<std::int64_t>(joined_),
                    finished, have_best_, result_.best_value, result_.best_step, evals_without_gain_, data_rng};
  save_resume_checkpoint(checkpoint_file_, state, resume_tensors());
  log::debug("resume checkpoint at step {} (epoch {}, batch {})", step_, epoch, position);
}

void TrainRun::resume() {
  checkpoint_file_ = in_.output_dir.empty() ? fs::path() : resume_checkpoint_file(in_.output_dir);
  if (!in_.resume || !trains_ || !fs::exists(checkpoint_file_)) return;
  const ResumeState state = load_resume_checkpoint(checkpoint_file_, resume_tensors());
  step_ = state.step;
  batches_done_ = state.batches_done;
  while (static_cast<std::int64_t>(joined_) < state.joined && joined_ < waiting_.size()) {
    set_blocks_frozen(model_, waiting_[joined_++], false);  // their join is on record already
  }
  have_best_ = state.have_best;
  result_.best_value = state.best_value;
  result_.best_step = state.best_step;
  evals_without_gain_ = state.evals_without_gain;
  start_epoch_ = state.epoch;
  start_position_ = static_cast<std::size_t>(state.position);
  finished_ = state.finished;
  std::istringstream(state.data_rng) >> rng_;
  recorder_.rewind(step_);
  recorder_.fact("train.resumed_from_step", std::to_string(step_));
  log::info("  resuming from step {} of {} (epoch {}, batch {})", step_, total_steps_, start_epoch_ + 1,
            start_position_);
}

void TrainRun::remove_checkpoint() {
  if (checkpoint_file_.empty() || !root()) return;  // the run is complete: its resume state is no longer needed
  std::error_code ec;
  fs::remove(checkpoint_file_, ec);
  fs::remove(checkpoint_file_.parent_path(), ec);
}

}  // namespace mtlab::detail
