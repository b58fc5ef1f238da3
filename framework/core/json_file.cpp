#include "mtlab/core/json_file.h"

#include <fmt/format.h>

#include <fstream>

#include "mtlab/core/error.h"

namespace mtlab {

nlohmann::json read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open", file.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
}

}  // namespace mtlab
