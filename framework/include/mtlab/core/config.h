#pragma once
// A typed, read-only view of one TOML table (a plugin's own table, or any part
// of an experiment spec). Getters check types and ranges and name the key and its
// source position in every error; reject_unknown() catches typos with a
// "did you mean" suggestion. The view hides toml++: it holds a JSON value.
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mtlab {

class Config {
 public:
  // An empty table.
  Config();
  // `table` must be a JSON object. `where` names the table for messages
  // ("exp.toml [tasks.intent]"); `locations` maps a key (relative to this table,
  // dotted for nested ones) to its "file:line:col".
  Config(const nlohmann::json& table, std::string where,
         std::map<std::string, std::string> locations = {});

  const std::string& where() const;
  // "file:line:col" of `key` if known, otherwise where().
  std::string location(std::string_view key) const;

  bool has(std::string_view key) const;
  bool empty() const;
  std::vector<std::string> keys() const;

  // Required getters throw mtlab::Error when the key is missing or mistyped.
  std::int64_t get_int(std::string_view key) const;
  double get_double(std::string_view key) const;  // accepts integers too
  bool get_bool(std::string_view key) const;
  std::string get_string(std::string_view key) const;

  // With a default: the key may be absent, but a present key must have the right type
  // and lie in [min, max].
  std::int64_t get_int(std::string_view key, std::int64_t fallback,
                       std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                       std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  double get_double(std::string_view key, double fallback,
                    double min = -std::numeric_limits<double>::infinity(),
                    double max = std::numeric_limits<double>::infinity()) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key, std::string fallback) const;
  // A string that must be one of `choices`.
  std::string get_choice(std::string_view key, std::string fallback,
                         const std::vector<std::string>& choices) const;

  std::vector<std::string> get_string_list(std::string_view key,
                                           std::vector<std::string> fallback = {}) const;
  std::vector<std::int64_t> get_int_list(std::string_view key,
                                         std::vector<std::int64_t> fallback = {}) const;
  std::vector<double> get_double_list(std::string_view key, std::vector<double> fallback = {}) const;

  // A nested table as its own view (empty when absent; an error when not a table).
  Config get_table(std::string_view key) const;

  // Throws on the first key not in `known`, suggesting the closest known key.
  void reject_unknown(const std::vector<std::string>& known) const;

  const nlohmann::json& json() const;
  std::string dump() const;  // compact JSON, keys sorted

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
  const nlohmann::json* find(std::string_view key) const;
  [[noreturn]] void type_error(std::string_view key, std::string_view expected) const;
};

}  // namespace mtlab
