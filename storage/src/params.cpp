#include "mtlab/storage/params.h"

#include <fmt/core.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"

namespace mtlab::storage {

std::string_view to_string(ParamType type) {
  switch (type) {
    case ParamType::integer: return "int";
    case ParamType::real: return "real";
    case ParamType::boolean: return "bool";
    case ParamType::text: return "text";
    case ParamType::array: return "array";
    case ParamType::null: return "null";
  }
  return "null";
}

Param Param::of(std::string key, std::int64_t value) {
  return {std::move(key), ParamType::integer, fmt::format("{}", value), value, static_cast<double>(value)};
}
Param Param::of(std::string key, double value) {
  return {std::move(key), ParamType::real, fmt::format("{}", value), std::nullopt, value};
}
Param Param::of(std::string key, bool value) {
  return {std::move(key), ParamType::boolean, value ? "true" : "false", value ? 1 : 0, std::nullopt};
}
Param Param::of(std::string key, std::string value) {
  return {std::move(key), ParamType::text, std::move(value), std::nullopt, std::nullopt};
}

namespace {

void flatten(const nlohmann::json& value, const std::string& key, std::vector<Param>& out) {
  using nlohmann::json;
  switch (value.type()) {
    case json::value_t::object:
      if (value.empty() && !key.empty()) {
        out.push_back({key, ParamType::array, "{}", std::nullopt, std::nullopt});
        return;
      }
      for (const auto& [k, v] : value.items()) flatten(v, key.empty() ? k : key + "." + k, out);
      return;
    case json::value_t::array:
      out.push_back({key, ParamType::array, value.dump(), std::nullopt, std::nullopt});
      return;
    case json::value_t::boolean: out.push_back(Param::of(key, value.get<bool>())); return;
    case json::value_t::number_integer: out.push_back(Param::of(key, value.get<std::int64_t>())); return;
    case json::value_t::number_unsigned: {
      const auto u = value.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out.push_back(Param::of(key, static_cast<std::int64_t>(u)));
      } else {
        out.push_back(Param::of(key, static_cast<double>(u)));
      }
      return;
    }
    case json::value_t::number_float: out.push_back(Param::of(key, value.get<double>())); return;
    case json::value_t::string: out.push_back(Param::of(key, value.get<std::string>())); return;
    default: out.push_back({key, ParamType::null, std::nullopt, std::nullopt, std::nullopt}); return;
  }
}

}  // namespace

std::vector<Param> flatten_params(const nlohmann::json& config) {
  if (!config.is_object()) throw Error("run config: expected a JSON object (the resolved experiment config)");
  std::vector<Param> out;
  flatten(config, "", out);
  return out;
}

std::vector<Param> flatten_params_json(std::string_view config_json) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("run config_json: not valid JSON: ") + e.what());
  }
  return flatten_params(parsed);
}

}  // namespace mtlab::storage
