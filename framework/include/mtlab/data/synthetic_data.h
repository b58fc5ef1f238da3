#pragma once
// `format = "synthetic"`: a generated joint intent + slot dataset (the
// quickstart's data): 7 intents over shared words, multi-word slot values, BIO
// tags, deterministic for a seed, with train/dev/test splits that share no
// sentence. See docs/data.md for the intents and slot types.
#include <cstdint>
#include <string>
#include <vector>

#include "mtlab/options/data_formats.h"
#include "mtlab/data/dataset.h"

namespace mtlab {

class Config;

struct SyntheticOptions {
  std::uint64_t seed = kDataDefaults.seed;
  std::int64_t train_size = kDataDefaults.train_size;
  std::int64_t dev_size = kDataDefaults.dev_size;
  std::int64_t test_size = kDataDefaults.test_size;
  // Probability that a sentence gets one surface perturbation (a filler word
  // inserted, a function word dropped, or a word misspelt). Tags stay right.
  double noise = kDataDefaults.noise;
};

// Keys: seed, train_size, dev_size, test_size, noise (which formats read a key: mtlab/options/data_formats.h).
SyntheticOptions synthetic_options(const Config& table);

Dataset generate_synthetic(const SyntheticOptions& options);

// The intent and slot-type inventories the generator draws from (sorted).
std::vector<std::string> synthetic_intents();
std::vector<std::string> synthetic_slot_types();

}  // namespace mtlab
