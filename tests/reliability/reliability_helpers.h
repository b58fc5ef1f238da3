#pragma once
// Helpers shared by the reliability tests: files in a scratch folder, the real
// mtlab executable, whole-file bytes (to prove a file was left untouched) and
// capturing what the library logs to stderr.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "run_command.h"
#include "test_paths.h"

namespace mtlab::test {

inline std::filesystem::path put_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The real mtlab executable with `args`, plugins from the build tree only.
inline CommandResult run_mtlab(const std::string& args) {
  return run_command("MTLAB_PLUGIN_PATH= " + shell_quote(mtlab_executable().string()) + " " + args);
}

inline std::string q(const std::filesystem::path& p) { return shell_quote(p.string()); }

// Everything written to stderr (file descriptor 2) while `f` runs.
template <class F>
std::string capture_stderr(F&& f) {
  std::fflush(stderr);
  char name[] = "/tmp/mtlab-stderr-XXXXXX";
  const int fd = mkstemp(name);
  const int saved = dup(2);
  dup2(fd, 2);
  try {
    f();
  } catch (...) {
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    unlink(name);
    throw;
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  const std::string text = file_bytes(name);
  unlink(name);
  return text;
}

}  // namespace mtlab::test
