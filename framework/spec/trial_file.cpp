#include "mtlab/spec/trial_file.h"

#include <fmt/format.h>

#include <fstream>

#include "mtlab/core/error.h"
#include "mtlab/core/hash.h"
#include "mtlab/core/json_file.h"

namespace mtlab::spec {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "mtlab-trial";
constexpr int kVersion = 1;

json swept_json(const std::vector<SweptValue>& swept) {
  json out = json::array();
  for (const auto& s : swept) out.push_back({{"label", s.label}, {"key", s.key}, {"value", s.value}});
  return out;
}

std::vector<SweptValue> swept_from(const json& array) {
  std::vector<SweptValue> out;
  for (const auto& s : array) out.push_back({s.at("label").get<std::string>(), s.at("key").get<std::string>(), s.at("value")});
  return out;
}

}  // namespace

json trial_file_json(const TrialFile& file) {
  // `config` is what runs (lineage resolved); `json` and `hash` are the config as
  // claimed and recorded, from which the TOML, the params and the legacy hash follow.
  const Trial& t = file.trial;
  json out = {{"format", kFormat},  {"version", kVersion}, {"spec_dir", file.spec_dir.string()},
          {"index", t.index},   {"count", t.count},    {"name", t.name},
          {"swept", swept_json(t.swept)}, {"seed", t.seed}, {"config", t.config},
          {"locations", t.locations}, {"json", t.json}, {"hash", t.hash}, {"file", t.file}};
  // Only when set, so a sweep published without pruning reads as before.
  if (file.prune) out["prune"] = prune_json(*file.prune);
  return out;
}

TrialFile trial_file_from_json(const json& j, const std::string& where) {
  if (!j.is_object() || j.value("format", "") != kFormat || j.value("version", 0) != kVersion) {
    throw Error(fmt::format("{}: not an mtlab trial file (expected format \"{}\" version {})", where, kFormat, kVersion));
  }
  try {
    TrialFile out;
    out.spec_dir = j.at("spec_dir").get<std::string>();
    Trial& t = out.trial;
    t.index = j.at("index").get<std::size_t>();
    t.count = j.at("count").get<std::size_t>();
    t.name = j.at("name").get<std::string>();
    t.swept = swept_from(j.at("swept"));
    t.seed = j.at("seed").get<std::int64_t>();
    t.config = j.at("config");
    t.locations = j.at("locations").get<std::map<std::string, std::string>>();
    t.json = j.at("json").get<std::string>();
    t.hash = j.at("hash").get<std::string>();
    t.file = j.at("file").get<std::string>();
    const json recorded = json::parse(t.json);
    t.toml = to_toml(recorded);
    t.params = flatten(recorded);
    t.legacy_hash = sha256_hex(t.json);
    if (j.contains("prune")) out.prune = prune_from_json(j.at("prune"), where);
    return out;
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: a field of the trial file is missing or mistyped ({})", where, e.what()));
  }
}

void write_trial_file(const std::filesystem::path& path, const TrialFile& file) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << trial_file_json(file).dump() << '\n';
  out.close();
  if (!out) throw Error(fmt::format("{}: cannot write the trial file", path.string()));
}

TrialFile read_trial_file(const std::filesystem::path& path) {
  return trial_file_from_json(read_json_file(path), path.string());
}

}  // namespace mtlab::spec
