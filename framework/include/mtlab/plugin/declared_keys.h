#pragma once
// Reading a plugin's table through its own key declarations, so that each key's
// default, range and choices are written once, in the KeySpec array that the
// spec validator and `mtlab plugins --describe` also read:
//
//   const mtlab::plugin::KeySpec kKeys[] = {{"gamma", "float", "2.0", "focusing exponent", 0, 100}};
//   const mtlab::plugin::DeclaredKeys kDeclared(kKeys);
//   double gamma = kDeclared.get_double(config, "gamma");   // 2.0 when absent; [0, 100] checked
//
// A dotted name ("init.hidden_size") is read from the table that holds its last part
// (the plugin's [backbone.init] view).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtlab/core/config.h"
#include "mtlab/plugin/descriptor.h"

namespace mtlab::plugin {

// A key's declared choices, split at '|' (empty: any string).
std::vector<std::string> declared_choices(const KeySpec& key);

class DeclaredKeys {
 public:
  template <std::size_t N>
  explicit DeclaredKeys(const KeySpec (&keys)[N]) : keys_(keys), count_(count_keys(keys)) {}

  // The declared default; the fallback overloads are for defaults that depend on other keys.
  std::int64_t get_int(const Config& table, std::string_view name) const;
  std::int64_t get_int(const Config& table, std::string_view name, std::int64_t fallback) const;
  double get_double(const Config& table, std::string_view name) const;
  double get_double(const Config& table, std::string_view name, double fallback) const;
  bool get_bool(const Config& table, std::string_view name) const;
  // A string key; one of its choices where it declares them.
  std::string get_string(const Config& table, std::string_view name) const;

  // The declared default as a plain value ("\"gelu\"" → "gelu").
  std::string default_text(std::string_view name) const;
  std::int64_t default_int(std::string_view name) const;
  // The keys declared under "prefix." with the prefix cut ("init" → hidden_size, …).
  std::vector<std::string> names_under(std::string_view prefix) const;

  const KeySpec& find(std::string_view name) const;  // std::logic_error when undeclared
  bool declares(std::string_view name) const;

 private:
  const KeySpec* keys_;
  std::size_t count_;
};

}  // namespace mtlab::plugin
