#pragma once
// toml++ ⇄ JSON, keeping toml++ out of every public header. Private to mtlab_spec.
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "mtlab/spec/location.h"

namespace mtlab::spec::detail {

struct Converted {
  nlohmann::json value;
  std::map<std::string, Location> locations;  // dotted key (arrays: key[i]) → position
};

// Parses TOML text; a syntax error throws mtlab::Error "label:line:col: TOML syntax error: ...".
toml::table parse_toml(std::string_view text, const std::string& label);

// Converts a parsed table; positions are reported against `label`, keys prefixed by `prefix`.
Converted to_json(const toml::table& table, const std::string& label, const std::string& prefix = "");

// A JSON object as a TOML table (dates never occur: they were converted to strings).
toml::table to_toml_table(const nlohmann::json& object);

}  // namespace mtlab::spec::detail
