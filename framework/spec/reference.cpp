#include "mtlab/spec/reference.h"

#include <fmt/format.h>

#include <cmath>

#include "mtlab/spec/schema.h"

namespace mtlab::spec {
namespace {

// How a key is written in the reference: "tasks.NAME.head".
std::string display_key(std::string_view key) {
  std::string out(key);
  for (std::size_t pos; (pos = out.find('*')) != std::string::npos;) {
    out.replace(pos, 1, out.compare(0, 16, "optimizer.groups") == 0 ? "GROUP" : "NAME");
  }
  return out;
}

std::string number(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

std::string cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

std::string meaning(const KeySpec& k) {
  std::string out(k.help);
  if (!k.choices.empty()) {
    std::string list;
    for (auto c : k.choices) list += (list.empty() ? "" : ", ") + fmt::format("`{}`", c.empty() ? "\"\"" : std::string(c));
    out += " One of: " + list + ".";
  }
  const bool has_min = std::isfinite(k.min), has_max = std::isfinite(k.max);
  if (has_min || has_max) {
    out += fmt::format(" Range: {}.", has_min && has_max ? fmt::format("[{}, {}]", number(k.min), number(k.max))
                                      : has_min           ? ">= " + number(k.min)
                                                          : "<= " + number(k.max));
  }
  if (k.path == PathRule::must_exist) {
    out += k.keyword.empty() ? " Must exist." : fmt::format(" Must exist (unless \"{}\").", k.keyword);
  }
  if (!k.url_schemes.empty()) {
    std::string schemes;
    for (const auto scheme : k.url_schemes) schemes += (schemes.empty() ? "" : " or ") + std::string(scheme);
    out += fmt::format(" A value starting with {} is a URL, kept as written.", schemes);
  }
  if (!k.formats.empty() && k.formats.find(',') == std::string_view::npos) out += fmt::format(" Format {} only.", k.formats);
  return cell(out);
}

bool is_section(const KeySpec& k) {
  return k.key.find('.') == std::string_view::npos ||
         ((k.type == ValueType::table || k.type == ValueType::plugin_options) && k.key != "tasks.*");
}

}  // namespace

std::string reference_markdown() {
  std::string out;
  out += "Generated from the schema table in `framework/spec/schema.cpp`; `mtlab validate --print-reference` prints it.\n";
  out += "Types: *path* is a string resolved against the folder of the file that sets it (the current folder for `--set`, and for a path starting with a `${NAME}` whose value is relative) after `${NAME}` expansion; a default of – means the key is optional with no value (or, with **required**, must be given).\n";
  for (const auto& k : schema()) {
    if (k.key == "tasks.*") continue;                    // described with [tasks.NAME]
    if (k.key.rfind("tasks.*.data.", 0) == 0) continue;  // the keys of [data], listed there
    if (is_section(k)) {
      const std::string name = k.key == "tasks" ? "tasks.NAME" : display_key(k.key);
      out += fmt::format("\n### [{}]\n\n{}\n", name, k.help);
      if (k.type == ValueType::plugin_options) {
        out += fmt::format("\nKeys depend on the {} plugin: `mtlab plugins --describe NAME` lists them; validation checks each against the plugin's declared keys and types.\n",
                           k.plugin_kind);
        continue;
      }
      if (k.key == "tasks.*.data" || child_keys(k.key).empty()) continue;  // no keys of its own: no table
      out += "\n| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
      continue;
    }
    const std::string def = k.required ? "**required**" : k.default_toml.empty() ? "–" : fmt::format("`{}`", k.default_toml);
    out += fmt::format("| `{}` | {} | {} | {} |\n", display_key(k.key), type_name(k.type), cell(def), meaning(k));
  }
  return out;
}

}  // namespace mtlab::spec
