#include "mtlab/plugin/declared_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mtlab::plugin {
namespace {

std::string last_part(std::string_view name) {
  const auto dot = name.rfind('.');
  return std::string(dot == std::string_view::npos ? name : name.substr(dot + 1));
}

std::int64_t int_bound(double v, std::int64_t unbounded) {
  return std::isfinite(v) ? static_cast<std::int64_t>(v) : unbounded;
}

}  // namespace

std::vector<std::string> declared_choices(const KeySpec& key) {
  std::vector<std::string> out;
  for (std::string_view rest = key.choices ? key.choices : ""; !rest.empty();) {
    const auto bar = rest.find('|');
    out.emplace_back(rest.substr(0, bar));
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  }
  return out;
}

const KeySpec& DeclaredKeys::find(std::string_view name) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (name == keys_[i].name) return keys_[i];
  }
  throw std::logic_error(fmt::format("plugin reads key '{}', which its KeySpec array does not declare", name));
}

bool DeclaredKeys::declares(std::string_view name) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (name == keys_[i].name) return true;
  }
  return false;
}

std::string DeclaredKeys::default_text(std::string_view name) const {
  std::string text = find(name).default_value;
  return text.size() >= 2 && text.front() == '"' && text.back() == '"' ? text.substr(1, text.size() - 2) : text;
}

std::int64_t DeclaredKeys::default_int(std::string_view name) const { return std::stoll(default_text(name)); }

std::int64_t DeclaredKeys::get_int(const Config& table, std::string_view name, std::int64_t fallback) const {
  const KeySpec& k = find(name);
  return table.get_int(last_part(name), fallback, int_bound(k.min, INT64_MIN), int_bound(k.max, INT64_MAX));
}
std::int64_t DeclaredKeys::get_int(const Config& table, std::string_view name) const {
  return get_int(table, name, default_int(name));
}

double DeclaredKeys::get_double(const Config& table, std::string_view name, double fallback) const {
  const KeySpec& k = find(name);
  return table.get_double(last_part(name), fallback, k.min, k.max);
}
double DeclaredKeys::get_double(const Config& table, std::string_view name) const {
  return get_double(table, name, std::stod(default_text(name)));
}

bool DeclaredKeys::get_bool(const Config& table, std::string_view name) const {
  return table.get_bool(last_part(name), default_text(name) == "true");
}

std::string DeclaredKeys::get_string(const Config& table, std::string_view name) const {
  const KeySpec& k = find(name);
  if (k.choices == nullptr) return table.get_string(last_part(name), default_text(name));
  return table.get_choice(last_part(name), default_text(name), declared_choices(k));
}

std::vector<std::string> DeclaredKeys::names_under(std::string_view prefix) const {
  std::vector<std::string> out;
  const std::string p = std::string(prefix) + ".";
  for (std::size_t i = 0; i < count_; ++i) {
    const std::string_view n = keys_[i].name;
    if (n.rfind(p, 0) == 0) out.emplace_back(n.substr(p.size()));
  }
  return out;
}

}  // namespace mtlab::plugin
