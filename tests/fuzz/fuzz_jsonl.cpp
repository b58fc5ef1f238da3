// The JSON-lines reader (format = "jsonl"): input = optional "%{options}" line,
// then the file. Options are the [data] keys: text_key, label_key, tokens_key,
// tags_key, scheme, encoding, ...
#include "fuzz_data.h"

namespace mtlab::fuzz {

int fuzz_jsonl_one(const std::uint8_t* data, std::size_t size) {
  const auto input = split_options(data, size);
  if (!input.ok) return 0;
  const auto file = write_scratch("train.jsonl", input.body);
  check_dataset(read_fuzz_dataset("jsonl", input.options, file));
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_jsonl_one)
