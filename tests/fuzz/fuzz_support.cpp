#include "fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cxxabi.h>
#include <fstream>
#include <stdexcept>
#include <typeinfo>

#include "mtlab/core/error.h"

namespace mtlab::fuzz {
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    // Absolute: the data targets hand these paths to readers that resolve a relative path against
    // scratch_dir() again, so a relative TMPDIR made every read a "not found" (a whole campaign once).
    dir = fs::absolute(fs::path(tmp && *tmp ? tmp : "/tmp") / ("mtlab-fuzz-" + std::to_string(::getpid())));
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

std::string demangled(const char* name) {
  int status = 0;
  char* text = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && text ? text : name;
  std::free(text);
  return out;
}

}  // namespace

const fs::path& scratch_dir() {
  static Scratch scratch;
  return scratch.dir;
}

fs::path write_scratch(const fs::path& name, std::string_view bytes) {
  const fs::path path = scratch_dir() / name;
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error("fuzz harness: cannot write " + path.string());
  return path;
}

OptionsAndBody split_options(const std::uint8_t* data, std::size_t size) {
  OptionsAndBody out;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  out.body = all;
  if (all.size() < 2 || all[0] != '%' || all[1] != '{') return out;
  const std::size_t eol = all.find('\n');
  const std::string_view line = all.substr(1, eol == std::string_view::npos ? std::string_view::npos : eol - 1);
  out.body = eol == std::string_view::npos ? std::string_view() : all.substr(eol + 1);
  out.options = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  out.ok = out.options.is_object();
  return out;
}

void invariant_failed(const char* what, const char* file, int line) {
  throw std::logic_error(std::string(file) + ":" + std::to_string(line) + ": invariant broken: " + what);
}

int run_libfuzzer(Target target, const std::uint8_t* data, std::size_t size) {
  try {
    target(data, size);
  } catch (const Error&) {
    // The code refused the input with a clear message: fine.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n==mtlab-fuzz== FINDING: uncaught %s: %s\n", demangled(typeid(e).name()).c_str(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "\n==mtlab-fuzz== FINDING: uncaught exception of unknown type\n");
    std::abort();
  }
  return 0;
}

}  // namespace mtlab::fuzz
