// The safetensors reader: the header parser on its own (the JSON text with
// the data size the rest of the input leaves), then the whole input as a
// .safetensors file: SafetensorsFile::open (length prefix, header, offsets) and
// load() of every tensor, converted to float as checkpoint loading does.
#include <cstring>

#include <torch/torch.h>

#include "fuzz_support.h"
#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"

namespace mtlab::fuzz {
namespace {

// The reader promises shapes whose element count, and every partial product on
// the way to it, fits an int64 (what numel() and LibTorch compute in).
bool count_fits_int64(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const auto d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return false;
  }
  return true;
}

}  // namespace

int fuzz_safetensors_one(const std::uint8_t* data, std::size_t size) {
  // 1. The header parser, given the bytes after an 8-byte length as JSON text.
  if (size >= 8) {
    std::uint64_t n = 0;
    std::memcpy(&n, data, 8);
    if (n <= size - 8) {
      const std::string_view json(reinterpret_cast<const char*>(data) + 8, n);
      try {
        const auto header = io::parse_safetensors_header(json, size - 8 - n, "fuzz header");
        for (const auto& t : header.tensors) {
          MTLAB_FUZZ_CHECK(t.begin <= t.end && t.end <= size - 8 - n);
          MTLAB_FUZZ_CHECK(count_fits_int64(t.shape));
          MTLAB_FUZZ_CHECK(static_cast<std::uint64_t>(t.numel()) * io::dtype_size(t.dtype) == t.end - t.begin);
        }
      } catch (const Error&) {
      }
    }
  }
  // 2. The file reader end to end.
  const auto path = write_scratch("model.safetensors",
                                  std::string_view(reinterpret_cast<const char*>(data), size));
  const auto file = io::SafetensorsFile::open(path);
  for (const auto& t : file.tensors()) {
    MTLAB_FUZZ_CHECK(file.contains(t.name));
    MTLAB_FUZZ_CHECK(count_fits_int64(t.shape));
    try {
      const at::Tensor loaded = file.load(t.name);
      MTLAB_FUZZ_CHECK(loaded.numel() == t.numel());
      if (at::isFloatingType(loaded.scalar_type())) file.load(t.name, at::kFloat);
    } catch (const Error&) {
      // e.g. a dtype LibTorch cannot hold (U16, F8_*): refused by name; try the next tensor.
    }
  }
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_safetensors_one)
