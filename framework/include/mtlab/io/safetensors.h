#pragma once
// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header, then raw little-endian data.
// Reading validates the whole header against the file size before any data is
// touched, so a truncated or hostile file is an mtlab::Error, never a crash or an
// out-of-bounds read. Writing produces what the Python library writes.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mtlab::io {

// Element types the format defines. Only F32/F16/BF16/F64 and the integer types
// can become tensors; the rest are reported by name.
enum class DType { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2 };

const char* dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);
// Throws naming `where` and listing the known dtypes.
DType dtype_from_name(std::string_view name, std::string_view where);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets relative to the start of the data section
  std::uint64_t end = 0;
  std::int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;  // sorted by begin offset
  std::map<std::string, std::string> metadata;
};

// Headers larger than this are refused before allocation (the Python library's limit is 100 MB).
inline constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

// Parses and validates a header: JSON object, unique names, known dtypes,
// non-negative shapes without overflow, offsets inside [0, data_size), no two
// tensors overlapping, and element count × dtype size equal to each byte span.
// `where` names the file in messages.
SafetensorsHeader parse_safetensors_header(std::string_view json_text, std::uint64_t data_size,
                                           std::string_view where);

// One opened file: header validated, data memory-mapped read-only.
class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::filesystem::path& file);

  const std::filesystem::path& path() const;
  const std::vector<TensorInfo>& tensors() const;
  const std::map<std::string, std::string>& metadata() const;
  bool contains(std::string_view name) const;
  const TensorInfo& info(std::string_view name) const;  // throws when absent
  // A fresh CPU tensor (owning its memory) with the file's values converted to
  // `dtype` (default: the file's own). Floating types convert among themselves;
  // unsupported element types (U16, U32, U64, F8_*) are an error naming the tensor.
  at::Tensor load(std::string_view name, std::optional<at::ScalarType> dtype = std::nullopt) const;
  // Copies the tensor's values into `target` (a model parameter), converting to its
  // dtype and device: no intermediate copy when it is a contiguous CPU tensor of the
  // file's dtype. The shapes must be equal (an error naming the tensor otherwise).
  void load_into(std::string_view name, const at::Tensor& target) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// The safetensors dtype of a tensor's scalar type (throws for unsupported types).
DType dtype_of(at::ScalarType type);

// Writes tensors (any order; they are stored sorted by name) and metadata to
// `file` atomically (a temporary name in the same folder, then rename).
// The header is padded with spaces to a multiple of 8 bytes, as the Python
// library does. Default metadata: {"format": "pt"}.
void save_safetensors(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Writes `bytes` to `file` through a temporary file and a rename, so readers see
// the old file or the new one, never a partial one.
void write_file_atomically(const std::filesystem::path& file, std::string_view bytes);
// The same for a writer that streams into the file; it returns false on a failed write.
void write_file_atomically(const std::filesystem::path& file, const std::function<bool(std::FILE*)>& write);

}  // namespace mtlab::io
