#pragma once
// Shared by the libFuzzer targets (fuzz_<target>.cpp, built with MTLAB_FUZZ=ON
// and clang) and the corpus replay test of the normal suite (replay_test.cpp).
//
// Each target is one function `int fuzz_<target>_one(data, size)` that feeds one
// input to the real parsing code. It returns normally, or throws mtlab::Error
// when the code refuses the input with a clear message: both are fine. Any other
// exception escaping, a crash, or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mtlab::fuzz {

using Target = int (*)(const std::uint8_t* data, std::size_t size);

int fuzz_safetensors_one(const std::uint8_t* data, std::size_t size);
int fuzz_tokenizer_one(const std::uint8_t* data, std::size_t size);
int fuzz_spec_one(const std::uint8_t* data, std::size_t size);
int fuzz_conll_one(const std::uint8_t* data, std::size_t size);
int fuzz_joint_one(const std::uint8_t* data, std::size_t size);
int fuzz_delimited_one(const std::uint8_t* data, std::size_t size);
int fuzz_jsonl_one(const std::uint8_t* data, std::size_t size);

// A scratch folder private to this process ($TMPDIR or /tmp, "mtlab-fuzz-<pid>"),
// created on first use and removed at normal exit. The readers take paths, so
// each input is written here first.
const std::filesystem::path& scratch_dir();
// Writes `bytes` to scratch_dir()/name (folders created as needed) and returns the path.
std::filesystem::path write_scratch(const std::filesystem::path& name, std::string_view bytes);

// The data reader targets read an optional first line "%{...}" holding the
// reader's options as a JSON object (the keys of the format's [data] table), then
// the file content. `ok` is false when that line is not a JSON object: such an
// input is not interesting and the target returns without reading.
struct OptionsAndBody {
  bool ok = true;
  nlohmann::json options = nlohmann::json::object();
  std::string_view body;
};
OptionsAndBody split_options(const std::uint8_t* data, std::size_t size);

// A broken invariant found by a target's own checks: a finding (std::logic_error, not mtlab::Error).
[[noreturn]] void invariant_failed(const char* what, const char* file, int line);
#define MTLAB_FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::mtlab::fuzz::invariant_failed(#cond, __FILE__, __LINE__))

// libFuzzer's entry for `target`: mtlab::Error is an accepted outcome; any other
// exception is printed (type and message) and aborts, which libFuzzer records as a crash.
int run_libfuzzer(Target target, const std::uint8_t* data, std::size_t size);

}  // namespace mtlab::fuzz

// One line at the end of each fuzz_<target>.cpp: the libFuzzer entry point when
// built as a fuzz target (MTLAB_LIBFUZZER), nothing in the replay test.
#ifdef MTLAB_LIBFUZZER
#define MTLAB_FUZZ_TARGET(fn)                                                         \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
    return ::mtlab::fuzz::run_libfuzzer(fn, data, size);                              \
  }
#else
#define MTLAB_FUZZ_TARGET(fn)
#endif
