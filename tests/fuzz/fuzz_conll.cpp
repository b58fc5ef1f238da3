// The CoNLL reader (format = "conll"): input = optional "%{options}" line, then
// the file. Options are the [data] keys: word_column, tag_column, separator,
// scheme, encoding, limit_train, dev_fraction, ...
#include "fuzz_data.h"

namespace mtlab::fuzz {

int fuzz_conll_one(const std::uint8_t* data, std::size_t size) {
  const auto input = split_options(data, size);
  if (!input.ok) return 0;
  const auto file = write_scratch("train.conll", input.body);
  check_dataset(read_fuzz_dataset("conll", input.options, file));
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_conll_one)
