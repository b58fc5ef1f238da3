#pragma once
// Small helpers shared by the data tests: a Config from JSON, files written in
// a scratch folder, and counting helpers.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/data/dataset.h"

namespace mtlab::test {

inline Config data_table(const nlohmann::json& j) { return Config(j, "test [data]"); }

inline std::filesystem::path write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return path;
}

inline std::size_t count_words(const std::vector<Example>& split) {
  std::size_t n = 0;
  for (const auto& ex : split) n += ex.words.size();
  return n;
}

inline std::size_t count_tags_starting(const std::vector<Example>& split, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& ex : split) {
    for (const auto& t : ex.tags) n += t.rfind(prefix, 0) == 0;
  }
  return n;
}

inline std::map<std::string, std::size_t> label_counts(const std::vector<Example>& split) {
  std::map<std::string, std::size_t> counts;
  for (const auto& ex : split) ++counts[ex.label.value()];
  return counts;
}

}  // namespace mtlab::test
