#include "mtlab/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <random>
#include <set>

#include "mtlab/core/error.h"

namespace mtlab::io {
namespace fs = std::filesystem;
using nlohmann::json;

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; so must the host be");

namespace {

struct DTypeRow {
  DType dtype;
  const char* name;
  std::size_t size;
};
constexpr DTypeRow kDTypes[] = {
    {DType::BOOL, "BOOL", 1}, {DType::U8, "U8", 1},   {DType::I8, "I8", 1},       {DType::I16, "I16", 2},
    {DType::U16, "U16", 2},   {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2},   {DType::I32, "I32", 4},
    {DType::U32, "U32", 4},   {DType::F32, "F32", 4}, {DType::F64, "F64", 8},     {DType::I64, "I64", 8},
    {DType::U64, "U64", 8},   {DType::F8_E4M3, "F8_E4M3", 1}, {DType::F8_E5M2, "F8_E5M2", 1},
};

const DTypeRow& row(DType d) {
  for (const auto& r : kDTypes) {
    if (r.dtype == d) return r;
  }
  throw Error("internal: unknown safetensors dtype");
}

std::optional<at::ScalarType> scalar_type_of(DType d) {
  switch (d) {
    case DType::BOOL: return at::kBool;
    case DType::U8: return at::kByte;
    case DType::I8: return at::kChar;
    case DType::I16: return at::kShort;
    case DType::I32: return at::kInt;
    case DType::I64: return at::kLong;
    case DType::F16: return at::kHalf;
    case DType::BF16: return at::kBFloat16;
    case DType::F32: return at::kFloat;
    case DType::F64: return at::kDouble;
    default: return std::nullopt;
  }
}

std::string shape_text(const std::vector<std::int64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

// Reads one tensor entry of the header; every check names the file and the tensor.
TensorInfo parse_entry(const std::string& name, const json& entry, std::uint64_t data_size, std::string_view where) {
  auto fail = [&](const std::string& what) {
    throw Error(fmt::format("{}: safetensors header, tensor '{}': {}", where, name, what));
  };
  if (!entry.is_object()) fail("expected an object with dtype, shape and data_offsets");
  for (const auto& [key, value] : entry.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") fail(fmt::format("unexpected field '{}'", key));
  }
  if (!entry.contains("dtype") || !entry["dtype"].is_string()) fail("missing or non-string 'dtype'");
  if (!entry.contains("shape") || !entry["shape"].is_array()) fail("missing or non-array 'shape'");
  if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2) {
    fail("'data_offsets' must be an array of two byte offsets [begin, end]");
  }
  TensorInfo info;
  info.name = name;
  info.dtype = dtype_from_name(entry["dtype"].get<std::string>(), fmt::format("{}: tensor '{}'", where, name));
  std::uint64_t count = 1;
  for (const auto& dim : entry["shape"]) {
    // Negative numbers parse as integer (not unsigned); fractions and huge values as float.
    if (!dim.is_number_unsigned()) {
      fail(fmt::format("shape {} has an entry that is not a non-negative integer", entry["shape"].dump()));
    }
    const std::uint64_t d = dim.get<std::uint64_t>();
    // Every partial product must fit a signed 64-bit element count: numel() and
    // LibTorch multiply the dims in int64 ([2^32, 2^31 + 1, 0] holds no element,
    // but its first two dims already overflow).
    constexpr auto kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (d > kMaxCount || __builtin_mul_overflow(count, d, &count) || count > kMaxCount) {
      fail(fmt::format("shape {} overflows a signed 64-bit element count", entry["shape"].dump()));
    }
    info.shape.push_back(static_cast<std::int64_t>(d));
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(row(info.dtype).size), &bytes)) {
    fail(fmt::format("shape {} overflows 64 bits in bytes", entry["shape"].dump()));
  }
  const auto& offsets = entry["data_offsets"];
  if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
    fail("data_offsets must be non-negative integers");
  }
  info.begin = offsets[0].get<std::uint64_t>();
  info.end = offsets[1].get<std::uint64_t>();
  if (info.begin > info.end) fail(fmt::format("data_offsets [{}, {}] end before they begin", info.begin, info.end));
  if (info.end > data_size) {
    fail(fmt::format("data_offsets [{}, {}] reach past the end of the data ({} bytes): truncated or corrupt file",
                     info.begin, info.end, data_size));
  }
  if (info.end - info.begin != bytes) {
    fail(fmt::format("{} × {} takes {} bytes but data_offsets [{}, {}] span {}", dtype_name(info.dtype),
                     shape_text(info.shape), bytes, info.begin, info.end, info.end - info.begin));
  }
  return info;
}

}  // namespace

// A read-only file mapping, released with the last SafetensorsFile copy. Outside
// the anonymous namespace: SafetensorsFile::Impl, which holds one, has linkage.
struct SafetensorsMapping {
  void* address = MAP_FAILED;
  std::size_t size = 0;
  ~SafetensorsMapping() {
    if (address != MAP_FAILED) munmap(address, size);
  }
};

const char* dtype_name(DType dtype) { return row(dtype).name; }
std::size_t dtype_size(DType dtype) { return row(dtype).size; }

DType dtype_from_name(std::string_view name, std::string_view where) {
  std::vector<std::string> known;
  for (const auto& r : kDTypes) {
    if (name == r.name) return r.dtype;
    known.emplace_back(r.name);
  }
  throw Error(fmt::format("{}: unknown dtype '{}'; expected one of {}", where, name, fmt::join(known, ", ")));
}

DType dtype_of(at::ScalarType type) {
  for (const auto& r : kDTypes) {
    if (scalar_type_of(r.dtype) == type) return r.dtype;
  }
  throw Error(fmt::format("safetensors cannot store tensors of type {}", c10::toString(type)));
}

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

SafetensorsHeader parse_safetensors_header(std::string_view json_text, std::uint64_t data_size,
                                           std::string_view where) {
  // Duplicate names would silently keep the last value in nlohmann::json; catch them while parsing.
  // A valid header nests 3 levels (object, entry, shape); refusing anything much
  // deeper while parsing keeps hostile nesting away from recursive code (dump,
  // comparisons) later on.
  constexpr int kMaxDepth = 8;
  struct TooDeep {};
  std::set<std::string> seen;
  std::string duplicate;
  json::parser_callback_t on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxDepth) throw TooDeep{};
    if (event == json::parse_event_t::key && depth == 1) {
      const auto key = parsed.get<std::string>();
      if (!seen.insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(json_text.begin(), json_text.end(), on_event);
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: safetensors header is not valid JSON ({})", where, e.what()));
  } catch (const TooDeep&) {
    throw Error(fmt::format("{}: safetensors header nests deeper than {} levels (a tensor entry needs 3): corrupt or not "
                            "a safetensors file",
                            where, kMaxDepth));
  }
  if (!duplicate.empty()) throw Error(fmt::format("{}: safetensors header names tensor '{}' twice", where, duplicate));
  if (!header.is_object()) throw Error(fmt::format("{}: safetensors header must be a JSON object", where));

  SafetensorsHeader out;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw Error(fmt::format("{}: safetensors __metadata__ must be an object", where));
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string()) throw Error(fmt::format("{}: safetensors __metadata__ value of '{}' is not a string", where, k));
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    out.tensors.push_back(parse_entry(name, entry, data_size, where));
  }
  std::sort(out.tensors.begin(), out.tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  for (std::size_t i = 1; i < out.tensors.size(); ++i) {
    const auto& a = out.tensors[i - 1];
    const auto& b = out.tensors[i];
    if (b.begin < a.end) {
      throw Error(fmt::format("{}: safetensors tensors '{}' [{}, {}) and '{}' [{}, {}) overlap", where, a.name, a.begin,
                              a.end, b.name, b.begin, b.end));
    }
  }
  return out;
}

struct SafetensorsFile::Impl {
  fs::path path;
  SafetensorsHeader header;
  std::map<std::string, std::size_t, std::less<>> index;
  SafetensorsMapping mapping;
  const std::uint8_t* data = nullptr;  // start of the data section
};

SafetensorsFile SafetensorsFile::open(const fs::path& file) {
  const std::string where = file.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(fmt::format("{}: cannot open ({})", where, std::strerror(errno)));
  auto impl = std::make_shared<Impl>();
  impl->path = file;
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("{}: not a regular file", where));
  }
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (file_size < 8) {
    ::close(fd);
    throw Error(fmt::format("{}: {} bytes is too short for a safetensors file (at least 8 for the header length)", where,
                            file_size));
  }
  impl->mapping.size = file_size;
  impl->mapping.address = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (impl->mapping.address == MAP_FAILED) throw Error(fmt::format("{}: cannot map ({})", where, std::strerror(errno)));
  const auto* bytes = static_cast<const std::uint8_t*>(impl->mapping.address);
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, bytes, 8);
  if (header_size > kMaxHeaderBytes) {
    throw Error(fmt::format("{}: safetensors header length {} exceeds the limit of {} bytes (corrupt or not a "
                            "safetensors file)",
                            where, header_size, kMaxHeaderBytes));
  }
  if (header_size > file_size - 8) {
    throw Error(fmt::format("{}: safetensors header length {} is larger than the {} bytes after it: truncated or "
                            "corrupt file",
                            where, header_size, file_size - 8));
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes + 8), header_size);
  impl->header = parse_safetensors_header(text, file_size - 8 - header_size, where);
  impl->data = bytes + 8 + header_size;
  for (std::size_t i = 0; i < impl->header.tensors.size(); ++i) impl->index.emplace(impl->header.tensors[i].name, i);
  SafetensorsFile out;
  out.impl_ = std::move(impl);
  return out;
}

const fs::path& SafetensorsFile::path() const { return impl_->path; }
const std::vector<TensorInfo>& SafetensorsFile::tensors() const { return impl_->header.tensors; }
const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return impl_->header.metadata; }
bool SafetensorsFile::contains(std::string_view name) const { return impl_->index.find(name) != impl_->index.end(); }

const TensorInfo& SafetensorsFile::info(std::string_view name) const {
  auto it = impl_->index.find(name);
  if (it == impl_->index.end()) throw Error(fmt::format("{}: no tensor named '{}'", impl_->path.string(), name));
  return impl_->header.tensors[it->second];
}

namespace {

// A tensor is read once: once copied, its pages of the read-only mapping leave the
// resident set (they come back from the file if read again). Otherwise loading
// BERT-base holds the whole 440 MB file resident beside the parameters it fills.
void release_pages(const std::uint8_t* begin, std::size_t size) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(begin) / page * page;
  const auto last = reinterpret_cast<std::uintptr_t>(begin) + size;
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);  // advice only: failure costs memory, not data
}

}  // namespace

at::Tensor SafetensorsFile::load(std::string_view name, std::optional<at::ScalarType> dtype) const {
  const auto& t = info(name);
  const auto type = scalar_type_of(t.dtype);
  if (!type) {
    throw Error(fmt::format("{}: tensor '{}' has dtype {}, which LibTorch cannot hold", impl_->path.string(), name,
                            dtype_name(t.dtype)));
  }
  // Copy rather than wrap: the data may be unaligned, and the tensor must outlive the mapping.
  auto out = torch::empty(t.shape, torch::TensorOptions().dtype(*type));
  if (t.end > t.begin) {
    std::memcpy(out.data_ptr(), impl_->data + t.begin, t.end - t.begin);
    release_pages(impl_->data + t.begin, t.end - t.begin);
  }
  if (dtype && *dtype != *type) out = out.to(*dtype);
  return out;
}

void SafetensorsFile::load_into(std::string_view name, const at::Tensor& target) const {
  const auto& t = info(name);
  if (t.shape != target.sizes().vec()) {
    throw Error(fmt::format("{}: tensor '{}' has shape [{}], the target [{}]", impl_->path.string(), name,
                            fmt::join(t.shape, ", "), fmt::join(target.sizes(), ", ")));
  }
  const auto type = scalar_type_of(t.dtype);
  if (type && *type == target.scalar_type() && target.device().is_cpu() && target.is_contiguous()) {
    if (t.end > t.begin) {
      std::memcpy(target.data_ptr(), impl_->data + t.begin, t.end - t.begin);
      release_pages(impl_->data + t.begin, t.end - t.begin);
    }
    return;
  }
  target.copy_(load(name, target.scalar_type()));
}

namespace {

// Writes through `write(FILE*)` into a temporary file in the same folder, syncs it
// and renames it over `file`: readers see the old file or the new one, never half.
template <class Write>
void write_atomically(const fs::path& file, Write&& write) {
  const fs::path temp = file.string() + fmt::format(".tmp-{}", std::random_device{}());
  FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) throw Error(fmt::format("{}: cannot create ({})", temp.string(), std::strerror(errno)));
  const bool ok = write(f) && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  const int saved_errno = errno;
  std::fclose(f);
  std::error_code ec;
  if (!ok) {
    fs::remove(temp, ec);
    throw Error(fmt::format("{}: write failed ({})", file.string(), std::strerror(saved_errno)));
  }
  fs::rename(temp, file, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw Error(fmt::format("{}: cannot rename the temporary file into place ({})", file.string(), ec.message()));
  }
}

}  // namespace

void write_file_atomically(const fs::path& file, std::string_view bytes) {
  write_atomically(file, [&](FILE* f) { return std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size(); });
}

void write_file_atomically(const fs::path& file, const std::function<bool(std::FILE*)>& write) {
  write_atomically(file, write);
}

void save_safetensors(const fs::path& file, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<std::pair<std::string, at::Tensor>> sorted;
  std::set<std::string> names;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") throw Error(fmt::format("{}: '__metadata__' cannot name a tensor", file.string()));
    if (!names.insert(name).second) throw Error(fmt::format("{}: tensor '{}' given twice", file.string(), name));
    sorted.emplace_back(name, tensor.detach().to(torch::kCPU).contiguous());
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : sorted) {
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * t.element_size();
    header[name] = {{"dtype", dtype_name(dtype_of(t.scalar_type()))},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  // Streamed tensor by tensor: no second copy of the weights in memory.
  write_atomically(file, [&](FILE* f) {
    const std::uint64_t n = text.size();
    if (std::fwrite(&n, 1, 8, f) != 8 || std::fwrite(text.data(), 1, text.size(), f) != text.size()) return false;
    for (const auto& [name, t] : sorted) {
      const auto bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
      if (bytes > 0 && std::fwrite(t.data_ptr(), 1, bytes, f) != bytes) return false;
    }
    return true;
  });
}

}  // namespace mtlab::io
