#include "mtlab/core/config.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/core/suggest.h"

namespace mtlab {

struct Config::Impl {
  nlohmann::json table = nlohmann::json::object();
  std::string where;
  std::map<std::string, std::string> locations;
};

namespace {

std::string type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "nothing";
    case nlohmann::json::value_t::object: return "a table";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a float";
    default: return "a value";
  }
}

std::string shown(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

}  // namespace

Config::Config() : impl_(std::make_shared<Impl>()) {}

Config::Config(const nlohmann::json& table, std::string where,
               std::map<std::string, std::string> locations) {
  if (!table.is_object() && !table.is_null()) {
    throw Error(fmt::format("{}: expected a table, got {}", where, type_name(table)));
  }
  auto impl = std::make_shared<Impl>();
  if (table.is_object()) impl->table = table;
  impl->where = std::move(where);
  impl->locations = std::move(locations);
  impl_ = std::move(impl);
}

const std::string& Config::where() const { return impl_->where; }

std::string Config::location(std::string_view key) const {
  auto it = impl_->locations.find(std::string(key));
  if (it != impl_->locations.end()) return it->second;
  return impl_->where;
}

bool Config::has(std::string_view key) const { return find(key) != nullptr; }
bool Config::empty() const { return impl_->table.empty(); }

std::vector<std::string> Config::keys() const {
  std::vector<std::string> out;
  for (auto it = impl_->table.begin(); it != impl_->table.end(); ++it) out.push_back(it.key());
  return out;
}

const nlohmann::json* Config::find(std::string_view key) const {
  auto it = impl_->table.find(std::string(key));
  if (it == impl_->table.end() || it->is_null()) return nullptr;
  return &*it;
}

void Config::type_error(std::string_view key, std::string_view expected) const {
  const nlohmann::json* v = find(key);
  throw Error(fmt::format("{}: key '{}': expected {}, got {}", location(key), key, expected,
                          v ? type_name(*v) + " " + shown(*v) : std::string("nothing (the key is required)")));
}

std::int64_t Config::get_int(std::string_view key) const {
  const nlohmann::json* v = find(key);
  if (!v || !(v->is_number_integer() || v->is_number_unsigned())) type_error(key, "an integer");
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    type_error(key, "an integer that fits in 64 bits");
  }
  return v->get<std::int64_t>();
}

double Config::get_double(std::string_view key) const {
  const nlohmann::json* v = find(key);
  if (!v || !v->is_number()) type_error(key, "a number");
  return v->get<double>();
}

bool Config::get_bool(std::string_view key) const {
  const nlohmann::json* v = find(key);
  if (!v || !v->is_boolean()) type_error(key, "a boolean (true or false)");
  return v->get<bool>();
}

std::string Config::get_string(std::string_view key) const {
  const nlohmann::json* v = find(key);
  if (!v || !v->is_string()) type_error(key, "a string");
  return v->get<std::string>();
}

std::int64_t Config::get_int(std::string_view key, std::int64_t fallback, std::int64_t min,
                             std::int64_t max) const {
  if (!has(key)) return fallback;
  const std::int64_t value = get_int(key);
  if (value < min || value > max) {
    throw Error(fmt::format("{}: key '{}': {} is out of range, expected an integer in [{}, {}]",
                            location(key), key, value, min, max));
  }
  return value;
}

double Config::get_double(std::string_view key, double fallback, double min, double max) const {
  if (!has(key)) return fallback;
  const double value = get_double(key);
  if (!(value >= min && value <= max)) {
    throw Error(fmt::format("{}: key '{}': {} is out of range, expected a number in [{}, {}]",
                            location(key), key, value, min, max));
  }
  return value;
}

bool Config::get_bool(std::string_view key, bool fallback) const {
  return has(key) ? get_bool(key) : fallback;
}

std::string Config::get_string(std::string_view key, std::string fallback) const {
  return has(key) ? get_string(key) : fallback;
}

std::string Config::get_choice(std::string_view key, std::string fallback,
                               const std::vector<std::string>& choices) const {
  std::string value = get_string(key, fallback);
  for (const auto& c : choices) {
    if (c == value) return value;
  }
  throw Error(fmt::format("{}: key '{}': '{}' is not one of {}{}", location(key), key, value,
                          join(choices), did_you_mean(value, choices)));
}

std::vector<std::string> Config::get_string_list(std::string_view key,
                                                 std::vector<std::string> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_array()) type_error(key, "an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) type_error(key, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::vector<std::int64_t> Config::get_int_list(std::string_view key,
                                               std::vector<std::int64_t> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_array()) type_error(key, "an array of integers");
  std::vector<std::int64_t> out;
  for (const auto& item : *v) {
    if (!item.is_number_integer()) type_error(key, "an array of integers");
    out.push_back(item.get<std::int64_t>());
  }
  return out;
}

std::vector<double> Config::get_double_list(std::string_view key, std::vector<double> fallback) const {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_array()) type_error(key, "an array of numbers");
  std::vector<double> out;
  for (const auto& item : *v) {
    if (!item.is_number()) type_error(key, "an array of numbers");
    out.push_back(item.get<double>());
  }
  return out;
}

Config Config::get_table(std::string_view key) const {
  const nlohmann::json* v = find(key);
  std::string where = impl_->where + "." + std::string(key);
  std::map<std::string, std::string> locations;
  const std::string prefix = std::string(key) + ".";
  for (const auto& [k, loc] : impl_->locations) {
    if (k.rfind(prefix, 0) == 0) locations.emplace(k.substr(prefix.size()), loc);
  }
  if (!v) return Config(nlohmann::json::object(), std::move(where), std::move(locations));
  if (!v->is_object()) type_error(key, "a table");
  return Config(*v, std::move(where), std::move(locations));
}

void Config::reject_unknown(const std::vector<std::string>& known) const {
  for (const auto& key : keys()) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == key;
    if (!ok) {
      throw Error(fmt::format("{}: unknown key '{}' in {}{}; known keys: {}", location(key), key,
                              impl_->where, did_you_mean(key, known), join(known)));
    }
  }
}

const nlohmann::json& Config::json() const { return impl_->table; }

std::string Config::dump() const { return impl_->table.dump(); }

}  // namespace mtlab
