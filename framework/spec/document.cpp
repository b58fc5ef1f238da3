#include "mtlab/spec/document.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "mtlab/core/error.h"
#include "toml_convert.h"

namespace mtlab::spec {
namespace {

namespace fs = std::filesystem;
using detail::Converted;

// True when `key` is `path` itself or lies inside it (a.b.c or a.b[2] under a.b).
bool is_under(const std::string& key, const std::string& path) {
  if (key.compare(0, path.size(), path) != 0) return false;
  return key.size() == path.size() || key[path.size()] == '.' || key[path.size()] == '[';
}

// Later wins; two tables merge key by key; anything else (arrays included) is replaced.
void merge_into(Converted& base, const Converted& overlay, const nlohmann::json& from, nlohmann::json& into,
           const std::string& prefix) {
  for (auto it = from.begin(); it != from.end(); ++it) {
    const std::string key = child_key(prefix, it.key());
    auto existing = into.find(it.key());
    if (existing != into.end() && existing->is_object() && it->is_object()) {
      merge_into(base, overlay, *it, *existing, key);
      continue;
    }
    into[it.key()] = *it;
    std::erase_if(base.locations, [&](const auto& entry) { return is_under(entry.first, key); });
    for (const auto& [k, loc] : overlay.locations) {
      if (is_under(k, key)) base.locations[k] = loc;
    }
  }
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> extends_list(const Converted& doc, const std::string& label) {
  auto it = doc.value.find("extends");
  if (it == doc.value.end()) return {};
  const Location where = doc.locations.at("extends");
  std::vector<std::string> out;
  if (it->is_string()) {
    out.push_back(it->get<std::string>());
  } else if (it->is_array() && std::all_of(it->begin(), it->end(), [](const auto& v) { return v.is_string(); })) {
    for (const auto& v : *it) out.push_back(v.get<std::string>());
  } else {
    throw Error(fmt::format("{}: extends: expected a path or a list of paths to base specs", where.str()));
  }
  (void)label;
  return out;
}

Converted load_file(const fs::path& file, const std::string& label, std::vector<fs::path>& stack,
                    std::vector<fs::path>& sources, const std::string& named_at) {
  const fs::path identity = fs::weakly_canonical(fs::absolute(file));
  for (const auto& open : stack) {
    if (open == identity) {
      std::string chain;
      for (const auto& p : stack) chain += p.filename().string() + " -> ";
      throw Error(fmt::format("{}: extends: cycle: {}{}", named_at, chain, identity.filename().string()));
    }
  }
  if (!fs::is_regular_file(file)) {
    throw Error(named_at.empty() ? fmt::format("{}: spec file not found", label)
                                 : fmt::format("{}: extends: base spec '{}' not found", named_at, label));
  }
  sources.push_back(file);
  stack.push_back(identity);
  const auto table = detail::parse_toml(read_text(file), label);
  Converted own = detail::to_json(table, label);

  Converted merged;
  merged.value = nlohmann::json::object();
  for (const auto& base : extends_list(own, label)) {
    fs::path base_path = fs::path(base).is_absolute() ? fs::path(base) : fs::path(label).parent_path() / base;
    base_path = base_path.lexically_normal();
    Converted loaded = load_file(base_path, base_path.string(), stack, sources, own.locations.at("extends").str());
    merge_into(merged, loaded, loaded.value, merged.value, "");
  }
  own.value.erase("extends");
  std::erase_if(own.locations, [](const auto& e) { return is_under(e.first, "extends"); });
  merge_into(merged, own, own.value, merged.value, "");
  stack.pop_back();
  return merged;
}

Converted parse_override(const std::string& text) {
  const auto eq = text.find('=');
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  if (eq == std::string::npos || trim(text.substr(0, eq)).empty()) {
    throw Error(fmt::format("--set '{}': expected key.path=value", text));
  }
  const std::string key = trim(text.substr(0, eq));
  const std::string value = trim(text.substr(eq + 1));
  toml::table table;
  try {
    const std::string line = key + " = " + value;
    table = toml::parse(std::string_view(line), std::string_view("--set"));
  } catch (const toml::parse_error&) {
    // Not a TOML value: the bare word is a string.
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += "\"";
    try {
      const std::string line = key + " = " + quoted;
      table = toml::parse(std::string_view(line), std::string_view("--set"));
    } catch (const toml::parse_error&) {
      throw Error(fmt::format("--set '{}': '{}' is not a valid key path (dotted TOML keys: training.batch_size)",
                              text, key));
    }
  }
  Converted out = detail::to_json(table, "--set");
  for (auto& [k, loc] : out.locations) loc = Location{"--set", 0, 0};
  return out;
}

}  // namespace

Location Document::location(const std::string& key) const {
  for (std::string k = key; !k.empty(); k = parent_key(k)) {
    if (auto it = locations.find(k); it != locations.end()) return it->second;
  }
  return Location{file.string(), 0, 0};
}

std::string child_key(const std::string& prefix, const std::string& name) {
  const std::string segment = name.find('.') == std::string::npos ? name : "\"" + name + "\"";
  return prefix.empty() ? segment : prefix + "." + segment;
}

std::vector<std::string> split_key(const std::string& dotted) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false;
  for (char c : dotted) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

std::string join_key(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out = child_key(out, p);
  return out;
}

std::string parent_key(const std::string& key) {
  // A list element "a.b[2]": its list. A name that merely ends in ']' has no '[' and is
  // walked up like any other (substr(0, npos) here once looped forever: fuzz finding 4).
  if (!key.empty() && key.back() == ']') {
    if (const auto open = key.rfind('['); open != std::string::npos) return key.substr(0, open);
  }
  auto parts = split_key(key);
  if (parts.size() <= 1) return "";
  parts.pop_back();
  std::string up = join_key(parts);
  return up.size() < key.size() ? up : "";
}

Document load_document(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  Document doc;
  doc.file = file;
  std::vector<fs::path> stack;
  Converted merged = load_file(file, file.string(), stack, doc.sources, "");
  for (const auto& text : overrides) {
    Converted one = parse_override(text);
    merge_into(merged, one, one.value, merged.value, "");
  }
  doc.tree = std::move(merged.value);
  doc.locations = std::move(merged.locations);
  return doc;
}

}  // namespace mtlab::spec
