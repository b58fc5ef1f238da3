#pragma once
// Data-parallel `mtlab run` (docs/distributed.md): every rank runs the same
// trials. Rank 0 claims, records and saves them, and tells the others through
// the group's store which trial comes next (the claimed trial as a trial file),
// as which run folder and whether it resumes; the others record nothing.
#include <optional>

#include "mtlab/plugin/registry.h"
#include "mtlab/spec/experiment.h"

namespace mtlab {
class ProcessGroup;
}

namespace mtlab::cli {

struct TrialJob;

// The group this process belongs to; null when it runs alone.
ProcessGroup* data_parallel_group();

// Reads the rank environment (torchrun's or Slurm's variables); with more than
// one rank, forms the group (experiment.distributed_timeout; Gloo, or NCCL when
// the first trial's training.device is cuda). Ranks other than 0 then follow
// rank 0's trials here and return their exit code; rank 0 and a lone process
// get none and run the sweep.
std::optional<int> join_data_parallel(const spec::Experiment& experiment, plugin::Registry& registry);

// Rank 0, before it runs a claimed trial: the others run it alongside.
void announce_trial(const TrialJob& job);
// Rank 0, after the sweep: the others stop.
void announce_sweep_end();
// False once the group lost a rank (a failed trial): the sweep stops there.
bool data_parallel_usable();

}  // namespace mtlab::cli
