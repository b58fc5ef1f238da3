#pragma once
// A resolved trial's framework keys as typed option structs, read once per trial.
#include "mtlab/options/trial_options.h"
#include "mtlab/spec/trial.h"

namespace mtlab::spec {

// Reads [experiment], [training], [optimizer] (its framework keys), [sampling],
// [weighting], [unfreeze] and every [tasks.NAME] of a resolved trial. A key the
// trial lacks keeps the struct's default; a value of the wrong type or choice (a
// trial built by hand) is an Error naming its file:line:col and key.
TrialOptions resolve_options(const Trial& trial);

}  // namespace mtlab::spec
