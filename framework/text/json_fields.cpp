#include "text/json_fields.h"

#include <fmt/format.h>

#include <fstream>
#include <limits>

#include "mtlab/core/error.h"
#include "mtlab/core/json_file.h"

namespace mtlab::text {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json_object(const fs::path& file) {
  json j = read_json_file(file);
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object, got {}", file.string(), j.type_name()));
  return j;
}

void write_json(const fs::path& file, const json& j) {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot write", file.string()));
  out << j.dump(2) << '\n';
  if (!out) throw Error(fmt::format("{}: writing failed", file.string()));
}

void wrong_type(const fs::path& file, const std::string& key, std::string_view expected, const json& got) {
  throw Error(fmt::format("{}: '{}' must be {}, got {}", file.string(), key, expected, got.dump()));
}

const json* find(const json& j, const std::string& key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

void read_bool(const json& j, const fs::path& file, const std::string& key, bool& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_boolean()) wrong_type(file, key, "true or false", *v);
    out = v->get<bool>();
  }
}

AddedTokenFields added_token_of(const json& v, const fs::path& file, const std::string& key) {
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_object() || !v.contains("content") || !v["content"].is_string()) {
    wrong_type(file, key, "a string or an object with a string \"content\"", v);
  }
  AddedTokenFields t{v["content"].get<std::string>(), true};
  for (auto [name, field] : {std::pair{"lstrip", &t.lstrip}, std::pair{"rstrip", &t.rstrip}}) {
    if (const json* b = find(v, name)) {
      if (!b->is_boolean()) wrong_type(file, key + "." + name, "true or false", *b);
      *field = b->get<bool>();
    }
  }
  return t;
}

std::int64_t model_max_length_of(const json& v, const fs::path& file) {
  constexpr auto kNoLimit = std::numeric_limits<std::int64_t>::max();
  std::int64_t n = 0;
  if (v.is_number_unsigned()) {
    n = v.get<std::uint64_t>() > static_cast<std::uint64_t>(kNoLimit) ? kNoLimit : v.get<std::int64_t>();
  } else if (v.is_number_integer()) {
    n = v.get<std::int64_t>();
  } else if (v.is_number_float()) {
    n = v.get<double>() >= 9.2e18 ? kNoLimit : static_cast<std::int64_t>(v.get<double>());
  } else {
    wrong_type(file, "model_max_length", "a positive integer", v);
  }
  if (n < 1) wrong_type(file, "model_max_length", "a positive integer", v);
  return n;
}

}  // namespace mtlab::text
