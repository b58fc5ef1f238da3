#pragma once
// One trial of an experiment: a fully resolved config (defaults filled, paths
// absolute, sweep values applied), its readable name and its stable hash. This is
// what the runner, the trainer and the storage consume.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"

namespace mtlab::spec {

// One flattened config key ("training.freeze") and its value: a scalar, or an
// array (kept whole). Params of a trial are sorted by key.
struct Param {
  std::string key;
  nlohmann::json value;
  // "integer" | "real" | "boolean" | "text" | "json" (arrays) — the storage type.
  std::string type() const;
  // Strings bare, everything else as JSON text ("3e-05", "true", "[\"a\"]").
  std::string text() const;
};

// One swept assignment that made this trial: key, value, and where it was written.
struct SweptValue {
  std::string label;  // the name part: "freeze", "seed", "layers", "lr"
  std::string key;    // dotted config key it sets
  nlohmann::json value;
};

struct Trial {
  std::size_t index = 0;            // 0-based position in the sweep
  std::size_t count = 1;            // trials in the sweep
  std::string name;                 // "freeze=backbone,seed=13"; "default" when nothing is swept
  std::vector<SweptValue> swept;    // in sweep order
  std::int64_t seed = 0;            // experiment.seed after the sweep
  nlohmann::json config;            // resolved config (no [sweep] table)
  std::map<std::string, std::string> locations;  // dotted key → "file:line:col"
  std::string json;                 // canonical JSON (keys sorted, compact) of config
  std::string toml;                 // the same config as TOML text
  std::string hash;                 // config_hash(config, the spec's folder), lowercase hex
  std::string legacy_hash;          // sha256 of `json` (absolute paths): the hash before schema 4
  std::vector<Param> params;        // flattened config, sorted by key
  std::string file;                 // the spec file, for messages about keys with no position

  // A typed view of the resolved config (or of one table: view("training")),
  // with source positions for error messages.
  Config view() const;
  Config view(const std::string& table) const;
};

// Fills json/toml/hash/params from `config` (used by the expander; exposed so
// a config built otherwise, e.g. read back from storage, hashes the same way).
// The spec's folder is that of `file` (none when `file` is empty).
void finalize_trial(Trial& trial);

// Canonical JSON text: keys sorted, no whitespace, floats in shortest
// round-trip form, so key order in the file never changes the hash.
std::string canonical_json(const nlohmann::json& config);

// What the config hash covers: the config with every text value that is an
// absolute path inside `spec_dir` (the resolver made each written path absolute
// against the folder of the file that wrote it) written relative to `spec_dir`
// ("data/train.tsv", "." for the folder itself). Paths outside it stay absolute.
// So an experiment folder moved with its data keeps its trials' hashes, while
// the stored config keeps the absolute paths (an empty `spec_dir` changes none),
// and without the keys that say how a trial runs, not what it is (unhashed_keys()).
nlohmann::json hashed_form(const nlohmann::json& config, const std::filesystem::path& spec_dir);
// sha256 (lowercase hex) of the canonical JSON of hashed_form(config, spec_dir).
std::string config_hash(const nlohmann::json& config, const std::filesystem::path& spec_dir = {});

// Flattens tables into dotted keys; arrays stay whole.
std::vector<Param> flatten(const nlohmann::json& config);

// The config as TOML text (tables sorted by key).
std::string to_toml(const nlohmann::json& config);

}  // namespace mtlab::spec
