#pragma once
// Where tests find the source tree, the build tree, the shared data and the
// built plugins. MTLAB_SHARED overrides the shared folder at run time.
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mtlab::test {

inline std::filesystem::path source_dir() { return MTLAB_SOURCE_DIR; }
inline std::filesystem::path binary_dir() { return MTLAB_BINARY_DIR; }
inline std::filesystem::path plugin_dir() { return MTLAB_PLUGIN_DIR; }
inline std::filesystem::path mtlab_executable() { return MTLAB_EXECUTABLE; }
inline std::filesystem::path shared_dir() {
  const char* env = std::getenv("MTLAB_SHARED");
  const std::filesystem::path dir = env ? env : MTLAB_SHARED_DIR;
  // A message that says what is missing and how to fix it, not a parse error on a file that is not there.
  if (!std::filesystem::is_directory(dir / "fixtures") || !std::filesystem::is_directory(dir / "data")) {
    throw std::runtime_error("the shared fixtures and datasets are not at '" + dir.string() +
                             "' (expected fixtures/ and data/ there): put the repository next to shared/, "
                             "or set MTLAB_SHARED at run time or -DMTLAB_SHARED_DIR when configuring");
  }
  return dir;
}
inline std::filesystem::path fixtures_dir() { return shared_dir() / "fixtures"; }
inline std::filesystem::path data_dir() { return shared_dir() / "data"; }

// A fresh empty folder under the build tree for one test's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = binary_dir() / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace mtlab::test
