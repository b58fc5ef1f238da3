#pragma once
// What the data reader targets (conll, joint, delimited, jsonl) share: the
// options line goes through the real `[data]` table path (read_dataset with a
// Config, so the format's option parsing is fuzzed too), and what the reader
// returns is checked and fed to the label sets the trainer builds from it.
#include <filesystem>
#include <string>

#include "fuzz_support.h"
#include "mtlab/data/dataset.h"

namespace mtlab::fuzz {

// read_dataset for a `[data]` table made of the input's options plus
// format = `format` and train = `train`. Keys naming other files (dev, test and
// the joint file names) are dropped: the target decides which files exist.
Dataset read_fuzz_dataset(const std::string& format, nlohmann::json options, const std::filesystem::path& train);

// Invariants every reader promises (MTLAB_FUZZ_CHECK), then build_label_sets().
void check_dataset(const Dataset& dataset);

}  // namespace mtlab::fuzz
