#include "mtlab/spec/trial_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "mtlab/core/error.h"

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
  const Trial& t = file.trial;
  json params = json::array();
  for (const auto& p : t.params) params.push_back({p.key, p.value});
  return {{"format", kFormat},  {"version", kVersion}, {"spec_dir", file.spec_dir.string()},
          {"index", t.index},   {"count", t.count},    {"name", t.name},
          {"swept", swept_json(t.swept)}, {"seed", t.seed}, {"config", t.config},
          {"locations", t.locations}, {"json", t.json}, {"toml", t.toml},
          {"hash", t.hash},     {"params", params},    {"file", t.file}};
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
    t.toml = j.at("toml").get<std::string>();
    t.hash = j.at("hash").get<std::string>();
    for (const auto& p : j.at("params")) t.params.push_back({p.at(0).get<std::string>(), p.at(1)});
    t.file = j.at("file").get<std::string>();
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open the trial file", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) throw Error(fmt::format("{}: the trial file is not valid JSON", path.string()));
  return trial_file_from_json(j, path.string());
}

}  // namespace mtlab::spec
