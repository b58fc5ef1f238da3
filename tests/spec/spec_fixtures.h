#pragma once
// Helpers shared by the spec tests: writing spec files into a scratch folder,
// a fake plugin catalog, and a minimal valid spec.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mtlab/core/config.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/spec/experiment.h"

namespace mtlab::test {

inline std::filesystem::path write_file(const std::filesystem::path& dir, const std::string& name,
                                        const std::string& text) {
  const auto path = dir / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Two tasks on generated data: valid as is, no files needed.
inline const std::string kMinimalSpec = R"([experiment]
name = "t"

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "synthetic"
)";

inline plugin::PluginInfo fake_plugin(plugin::Kind kind, std::string name, std::vector<plugin::KeyInfo> keys = {},
                                      std::string level = "") {
  return plugin::PluginInfo{kind, std::move(name), "1.0", "fake", std::move(keys), "/fake.so", "0", std::move(level)};
}

// Stand-ins for the bert plugin's hooks (the real ones are tested in tests/bert):
// a new backbone has init.num_layers layers (4 by default), and num_heads must
// divide hidden_size (256 and 4 by default).
inline std::int64_t fake_init_int(const Config& table, const char* key, std::int64_t fallback) {
  const auto& j = table.json();
  if (!j.contains("init") || !j["init"].is_object() || !j["init"].contains(key)) return fallback;
  const auto& v = j["init"][key];
  return v.is_number_integer() ? v.get<std::int64_t>() : fallback;
}
inline const plugin::BackboneHooks kFakeBertHooks{
    [](const Config& table) {
      std::vector<plugin::KeyProblem> out;
      const auto h = fake_init_int(table, "hidden_size", 256), a = fake_init_int(table, "num_heads", 4);
      if (!table.has("checkpoint") && h > 0 && a > 0 && h % a != 0) {
        out.push_back({"init.num_heads", "num_heads " + std::to_string(a) + " does not divide hidden_size " + std::to_string(h)});
      }
      return out;
    },
    [](const Config& table) { return table.has("checkpoint") ? std::int64_t{0} : fake_init_int(table, "num_layers", 4); },
    nullptr};

// The plugins the built-in specs name, with a few declared keys each.
inline spec::PluginCatalog fake_catalog() {
  using plugin::Kind;
  return [](const std::vector<std::filesystem::path>&) {
    return std::vector<plugin::PluginInfo>{
        [] {
          auto bert = fake_plugin(Kind::backbone, "bert",
                                  {{"attention", "string", "\"eager\"", "attention kernel"},
                                   {"do_lower_case", "bool", "true", "lower-case"},
                                   {"init", "table", "", "architecture"}, {"max_length", "int", "0", "longest input"},
                                   {"init.hidden_size", "int", "256", "width", 1, 16384},
                                   {"init.num_layers", "int", "4", "layers", 1, 128},
                                   {"init.num_heads", "int", "4", "heads", 1, 256}});
          bert.backbone = &kFakeBertHooks;
          return bert;
        }(),
        fake_plugin(Kind::head, "sequence_classification",
                    {{"pooling", "string", "\"pooler\"", "which pooled states", plugin::kNoMin, plugin::kNoMax, {"pooler", "cls", "mean"}},
                     {"dropout", "float", "0.1", "dropout", 0, 1},
                     {"hidden", "list<int>", "[]", "hidden layers"}},
                    "sentence"),
        fake_plugin(Kind::head, "token_classification", {{"dropout", "float", "0.1", "dropout"}}, "token"),
        fake_plugin(Kind::loss, "cross_entropy", {{"label_smoothing", "float", "0.0", "smoothing"}}),
        fake_plugin(Kind::optimizer, "adamw", {{"eps", "float", "1e-8", "epsilon"}}),
    };
  };
}

// Every error line for a spec (empty when it is valid).
inline std::vector<std::string> errors_of(const std::filesystem::path& file, spec::LoadOptions options = {}) {
  std::vector<std::string> out;
  for (const auto& e : spec::check_experiment(file, options).errors) out.push_back(e.str());
  return out;
}

}  // namespace mtlab::test
