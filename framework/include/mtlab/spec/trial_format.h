#pragma once
// The text `mtlab validate --trials` and `mtlab run --dry-run` print: one block
// per trial with its name, hash and the resolved values in which trials differ.
#include <string>

#include "mtlab/spec/experiment.h"

namespace mtlab::spec {

// Keys whose resolved value is not the same in every trial, sorted.
std::vector<std::string> differing_keys(const std::vector<Trial>& trials);

// "experiment NAME: N trials\n" then, per trial,
// "  [i/N] NAME  hash 0123456789ab\n      key = value\n" for each differing key; a key
// swept in other trials but not in this one (a searched key whose `when` does not hold)
// is marked "(default: its condition does not hold)".
std::string format_trials(const Experiment& experiment);

}  // namespace mtlab::spec
