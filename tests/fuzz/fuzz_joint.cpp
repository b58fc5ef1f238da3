// The ATIS/SNIPS reader (format = "joint"): input = optional "%{options}" line,
// then the three line-aligned files separated by NUL bytes: seq.in, seq.out,
// label (a missing part is an empty file). Options are the [data] keys:
// scheme, encoding, limit_train, dev_fraction, ... (the file names are fixed).
#include "fuzz_data.h"

namespace mtlab::fuzz {

int fuzz_joint_one(const std::uint8_t* data, std::size_t size) {
  const auto input = split_options(data, size);
  if (!input.ok) return 0;
  std::string_view rest = input.body;
  std::string_view parts[3];
  for (int i = 0; i < 3; ++i) {
    const std::size_t nul = i < 2 ? rest.find('\0') : std::string_view::npos;
    parts[i] = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
  }
  write_scratch("joint/seq.in", parts[0]);
  write_scratch("joint/seq.out", parts[1]);
  write_scratch("joint/label", parts[2]);
  check_dataset(read_fuzz_dataset("joint", input.options, scratch_dir() / "joint"));
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_joint_one)
