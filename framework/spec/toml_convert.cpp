#include "toml_convert.h"

#include <fmt/format.h>

#include <sstream>

#include "mtlab/core/error.h"

namespace mtlab::spec::detail {
namespace {

Location at(const toml::source_region& region, const std::string& label) {
  return Location{label, region.begin.line, region.begin.column};
}

void convert(const toml::node& node, const std::string& key, const std::string& label, Converted& out,
             nlohmann::json& target);

void convert_table(const toml::table& table, const std::string& prefix, const std::string& label, Converted& out,
                   nlohmann::json& target) {
  target = nlohmann::json::object();
  for (const auto& [k, v] : table) {
    const std::string name(k.str());
    // Quote segments holding a dot, so the dotted key stays unambiguous.
    const std::string segment = name.find('.') == std::string::npos ? name : "\"" + name + "\"";
    const std::string key = prefix.empty() ? segment : prefix + "." + segment;
    // The key's own position is where a user looks for a typo; fall back to the value's.
    const auto& region = k.source().begin.line ? k.source() : v.source();
    out.locations[key] = at(region, label);
    convert(v, key, label, out, target[name]);
  }
}

void convert(const toml::node& node, const std::string& key, const std::string& label, Converted& out,
             nlohmann::json& target) {
  if (const auto* t = node.as_table()) {
    convert_table(*t, key, label, out, target);
  } else if (const auto* a = node.as_array()) {
    target = nlohmann::json::array();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string item = fmt::format("{}[{}]", key, i);
      out.locations[item] = at((*a)[i].source(), label);
      nlohmann::json value;
      convert((*a)[i], item, label, out, value);
      target.push_back(std::move(value));
    }
  } else if (const auto* s = node.as_string()) {
    target = s->get();
  } else if (const auto* i = node.as_integer()) {
    target = i->get();
  } else if (const auto* f = node.as_floating_point()) {
    target = f->get();
  } else if (const auto* b = node.as_boolean()) {
    target = b->get();
  } else {
    // Dates and times: the schema has no such type; keep the text so a string key accepts it.
    std::ostringstream text;
    if (const auto* d = node.as_date()) text << d->get();
    else if (const auto* t = node.as_time()) text << t->get();
    else if (const auto* dt = node.as_date_time()) text << dt->get();
    target = text.str();
  }
}

}  // namespace

toml::table parse_toml(std::string_view text, const std::string& label) {
  try {
    return toml::parse(text, std::string_view(label));
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}:{}: TOML syntax error: {}", label, e.source().begin.line,
                            e.source().begin.column, e.description()));
  }
}

Converted to_json(const toml::table& table, const std::string& label, const std::string& prefix) {
  Converted out;
  convert_table(table, prefix, label, out, out.value);
  return out;
}

namespace {

void add_value(const nlohmann::json& v, toml::array& array);

void fill_table(const nlohmann::json& object, toml::table& table) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const auto& v = it.value();
    if (v.is_object()) {
      toml::table sub;
      fill_table(v, sub);
      table.insert_or_assign(it.key(), std::move(sub));
    } else if (v.is_array()) {
      toml::array array;
      for (const auto& item : v) add_value(item, array);
      table.insert_or_assign(it.key(), std::move(array));
    } else if (v.is_string()) {
      table.insert_or_assign(it.key(), v.get<std::string>());
    } else if (v.is_boolean()) {
      table.insert_or_assign(it.key(), v.get<bool>());
    } else if (v.is_number_float()) {
      table.insert_or_assign(it.key(), v.get<double>());
    } else if (v.is_number()) {
      table.insert_or_assign(it.key(), v.get<std::int64_t>());
    }
    // null (an unset optional key) has no TOML form: left out.
  }
}

void add_value(const nlohmann::json& v, toml::array& array) {
  if (v.is_object()) {
    toml::table sub;
    fill_table(v, sub);
    array.push_back(std::move(sub));
  } else if (v.is_array()) {
    toml::array sub;
    for (const auto& item : v) add_value(item, sub);
    array.push_back(std::move(sub));
  } else if (v.is_string()) {
    array.push_back(v.get<std::string>());
  } else if (v.is_boolean()) {
    array.push_back(v.get<bool>());
  } else if (v.is_number_float()) {
    array.push_back(v.get<double>());
  } else if (v.is_number()) {
    array.push_back(v.get<std::int64_t>());
  }
}

}  // namespace

toml::table to_toml_table(const nlohmann::json& object) {
  toml::table table;
  if (object.is_object()) fill_table(object, table);
  return table;
}

}  // namespace mtlab::spec::detail
