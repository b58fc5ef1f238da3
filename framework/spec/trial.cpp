#include "mtlab/spec/trial.h"

#include <optional>
#include <sstream>

#include "mtlab/core/hash.h"
#include "mtlab/spec/schema.h"
#include "toml_convert.h"

namespace mtlab::spec {
namespace {

void flatten_into(const nlohmann::json& node, const std::string& prefix, std::vector<Param>& out) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object()) {
      flatten_into(*it, key, out);
    } else if (!it->is_null()) {
      out.push_back(Param{key, *it});
    }
  }
}

// `text` relative to `dir` when it is an absolute path inside it.
std::optional<std::string> inside(const std::string& text, const std::filesystem::path& dir) {
  if (text.empty() || text.front() != '/') return std::nullopt;
  const auto relative = std::filesystem::path(text).lexically_normal().lexically_relative(dir);
  if (relative.empty() || *relative.begin() == "..") return std::nullopt;
  return relative.string();
}

void relativize(nlohmann::json& node, const std::filesystem::path& dir) {
  if (node.is_string()) {
    if (auto relative = inside(node.get<std::string>(), dir)) node = *relative;
  } else if (node.is_structured()) {
    for (auto& child : node) relativize(child, dir);
  }
}

std::filesystem::path spec_folder(const std::string& file) {
  if (file.empty()) return {};
  return std::filesystem::absolute(file).parent_path().lexically_normal();
}

}  // namespace

std::string Param::type() const {
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "real";
  if (value.is_string()) return "text";
  return "json";
}

std::string Param::text() const { return value.is_string() ? value.get<std::string>() : value.dump(); }

std::string canonical_json(const nlohmann::json& config) {
  // nlohmann's object is a std::map: keys come out sorted; doubles print in
  // shortest round-trip form. Both make the text independent of how it was written.
  return config.dump();
}

nlohmann::json hashed_form(const nlohmann::json& config, const std::filesystem::path& spec_dir) {
  nlohmann::json out = config;
  for (const auto& key : unhashed_keys()) {
    const auto dot = key.find('.');  // unhashed keys sit in a top-level table
    if (dot == std::string::npos || !out.contains(key.substr(0, dot))) continue;
    out[key.substr(0, dot)].erase(key.substr(dot + 1));
  }
  if (!spec_dir.empty()) relativize(out, spec_dir.lexically_normal());
  return out;
}

std::string config_hash(const nlohmann::json& config, const std::filesystem::path& spec_dir) {
  return sha256_hex(canonical_json(hashed_form(config, spec_dir)));
}

std::vector<Param> flatten(const nlohmann::json& config) {
  std::vector<Param> out;
  if (config.is_object()) flatten_into(config, "", out);
  std::sort(out.begin(), out.end(), [](const Param& a, const Param& b) { return a.key < b.key; });
  return out;
}

std::string to_toml(const nlohmann::json& config) {
  std::ostringstream out;
  out << detail::to_toml_table(config) << "\n";
  return out.str();
}

void finalize_trial(Trial& trial) {
  trial.json = canonical_json(trial.config);
  trial.hash = config_hash(trial.config, spec_folder(trial.file));
  trial.legacy_hash = sha256_hex(trial.json);
  trial.toml = to_toml(trial.config);
  trial.params = flatten(trial.config);
}

Config Trial::view() const { return Config(config, file, locations); }

Config Trial::view(const std::string& table) const { return view().get_table(table); }

}  // namespace mtlab::spec
