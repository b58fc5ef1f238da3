// The tsv/csv reader (format = "tsv" or "csv"): input = optional "%{options}"
// line, then the file. The options may say "format": "csv" (default "tsv");
// the rest are the [data] keys: separator, header, text_column, label_column,
// columns, label_field, label_delimiter, encoding, ...
#include "fuzz_data.h"

namespace mtlab::fuzz {

int fuzz_delimited_one(const std::uint8_t* data, std::size_t size) {
  const auto input = split_options(data, size);
  if (!input.ok) return 0;
  const auto format_it = input.options.find("format");
  const bool csv = format_it != input.options.end() && *format_it == "csv";
  const auto file = write_scratch(csv ? "train.csv" : "train.tsv", input.body);
  check_dataset(read_fuzz_dataset(csv ? "csv" : "tsv", input.options, file));
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_delimited_one)
