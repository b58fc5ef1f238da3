#pragma once
// An experiment spec as written: the TOML file with its `extends` chain merged
// (later wins, tables merge) and the --set overrides applied, as one JSON tree
// with the source position of every key. Nothing is validated or resolved yet.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/spec/location.h"

namespace mtlab::spec {

struct Document {
  std::filesystem::path file;                   // the spec as given
  nlohmann::json tree = nlohmann::json::object();
  // Dotted key ("training.batch_size", "sweep.seeds[1]") → where it was written.
  std::map<std::string, Location> locations;
  std::vector<std::filesystem::path> sources;   // every file read, the main spec first

  // Where `key` was written, or the nearest enclosing table's position, or the file.
  Location location(const std::string& key) const;
};

// Reads `file`, follows `extends` (a path or a list of paths, relative to the
// file naming them; cycles are an error), then applies `overrides`, each
// "key.path=value" with the value typed as TOML types it (a bare word that is not
// TOML is a string). Throws mtlab::Error with file:line:col on a syntax error.
Document load_document(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});

// "a.b.c" → {"a","b","c"}; quoted segments ("sweep.grid.\"a.b\"") are not split.
std::vector<std::string> split_key(const std::string& dotted);
std::string join_key(const std::vector<std::string>& parts);
// `prefix` + "." + `name`, the name quoted when it holds a dot ("" prefix: the name alone).
std::string child_key(const std::string& prefix, const std::string& name);
// The key that encloses `key` ("a.b[2]" → "a.b" → "a"), or "" at the top. Always
// shorter than `key`, so walking up ends even for odd names such as "training]".
std::string parent_key(const std::string& key);

}  // namespace mtlab::spec
