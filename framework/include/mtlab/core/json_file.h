#pragma once
// Reading a whole JSON file, with the errors every caller wants: the file and
// "cannot open", or the file and "not valid JSON (the parser's reason)".
#include <filesystem>

#include <nlohmann/json.hpp>

namespace mtlab {

nlohmann::json read_json_file(const std::filesystem::path& file);

}  // namespace mtlab
