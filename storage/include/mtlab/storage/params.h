#pragma once
// A run's configuration as one typed row per flattened key ("training.freeze"),
// so that SQL can filter and group runs by any config value.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mtlab::storage {

enum class ParamType { integer, real, boolean, text, array, null };

std::string_view to_string(ParamType type);  // "int", "real", "bool", "text", "array", "null"

struct Param {
  std::string key;
  ParamType type = ParamType::null;
  // Every value has text: strings as is, numbers in shortest round-trip form,
  // booleans as true/false, arrays as compact JSON; null has none.
  std::optional<std::string> text;
  std::optional<std::int64_t> integer;  // int, and bool as 0/1
  std::optional<double> real;           // int and real (so numeric comparisons work on either)

  static Param of(std::string key, std::int64_t value);
  static Param of(std::string key, double value);
  static Param of(std::string key, bool value);
  static Param of(std::string key, std::string value);
};

// Flattens nested tables with dots; arrays stay whole (type array, JSON text);
// an empty table becomes one array-typed row "{}" so it is not lost.
std::vector<Param> flatten_params(const nlohmann::json& config);
// Same, from JSON text; throws mtlab::Error when it is not a JSON object.
std::vector<Param> flatten_params_json(std::string_view config_json);

}  // namespace mtlab::storage
