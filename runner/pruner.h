#pragma once
// [sweep.prune] over the results store. The judge of a running trial (train()'s
// Judge, asked after each dev evaluation) records the trial's value at each rung
// it reaches and decides by ASHA's or the median rule against the values other
// trials of the experiment recorded at that rung — what the store holds now, so
// processes on any host decide alike (ASHA's asynchronous rule). For ASHA, a
// process looking for work first promotes a paused trial that has become one of
// its rung's top 1/eta: the promotion is an atomic claim in the store, so no
// trial is promoted twice. Docs: docs/search.md.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mtlab/spec/prune.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/train/judge.h"

namespace mtlab::cli {

class Pruner {
 public:
  Pruner(storage::ResultsStore& store, std::string experiment, spec::PruneSpec spec, bool minimize);

  // The judge of run `run_id`; a resumed or promoted run is judged from the rung
  // after the last one it went past.
  Judge judge_for(std::int64_t run_id) const;

  struct Promotion {
    std::int64_t run_id = 0;
    int rung = 0;
    std::string config_hash;
  };
  // ASHA: promotes the best paused run that its rung's top 1/eta now holds,
  // highest rung first, among those `runnable` accepts (this process has its
  // trial and its resume checkpoint); nullopt when there is none (or for median).
  std::optional<Promotion> promote(const std::function<bool(const storage::RungEntry&)>& runnable,
                                   const std::string& host) const;

 private:
  // Judges the run at rung k with `value` (best so far: `best`) and records it.
  Verdict judge(std::int64_t run_id, int rung, const EvalProgress& progress, std::int64_t max_resource) const;

  storage::ResultsStore& store_;
  std::string experiment_;
  spec::PruneSpec spec_;
  bool minimize_;
};

}  // namespace mtlab::cli
