#pragma once
// [sweep.prune] read from a Document and checked, at its own keys; and the
// checks that need a trial's options (what a rung counts must be what the
// trial's training measures). Private to mtlab_spec.
#include <optional>
#include <vector>

#include "mtlab/spec/diagnostic.h"
#include "mtlab/spec/document.h"
#include "mtlab/spec/prune.h"
#include "mtlab/spec/trial.h"

namespace mtlab::spec::detail {

// nullopt when the spec has no [sweep.prune] or it has problems (added to `errors`).
std::optional<PruneSpec> read_prune(const Document& doc, std::vector<Diagnostic>& errors);

// Problems of pruning `trial` as `spec` says: a rung no evaluation reaches.
void check_prune_fits(const PruneSpec& spec, const Document& doc, const Trial& trial, std::vector<Diagnostic>& errors);

}  // namespace mtlab::spec::detail
