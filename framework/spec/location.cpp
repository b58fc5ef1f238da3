#include "mtlab/spec/location.h"

#include <fmt/format.h>

namespace mtlab::spec {

std::string Location::str() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::filesystem::path Location::base_dir() const {
  if (from_command_line() || file.empty()) return std::filesystem::current_path();
  return std::filesystem::absolute(std::filesystem::path(file)).parent_path();
}

}  // namespace mtlab::spec
