#include "mtlab/io/sentence_transformers.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>


#include "mtlab/core/error.h"
#include "mtlab/core/json_file.h"

namespace mtlab::io {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool flag(const json& j, const char* key, const fs::path& file) {
  if (!j.contains(key) || j[key].is_null()) return false;
  if (!j[key].is_boolean()) throw Error(fmt::format("{}: \"{}\" must be true or false", file.string(), key));
  return j[key].get<bool>();
}

PoolingModes read_pooling(const fs::path& file) {
  const json j = read_json_file(file);
  if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object", file.string()));
  PoolingModes p;
  p.cls = flag(j, "pooling_mode_cls_token", file);
  p.max = flag(j, "pooling_mode_max_tokens", file);
  p.mean = flag(j, "pooling_mode_mean_tokens", file);
  p.mean_sqrt_len = flag(j, "pooling_mode_mean_sqrt_len_tokens", file);
  p.weightedmean = flag(j, "pooling_mode_weightedmean_tokens", file);
  p.lasttoken = flag(j, "pooling_mode_lasttoken", file);
  if (!(p.cls || p.max || p.mean || p.mean_sqrt_len || p.weightedmean || p.lasttoken)) {
    throw Error(fmt::format("{}: no pooling_mode_* flag is true", file.string()));
  }
  return p;
}

}  // namespace

std::string PoolingModes::describe() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (on) out += (out.empty() ? "" : "+") + std::string(name);
  };
  add(cls, "cls");
  add(max, "max");
  add(mean, "mean");
  add(mean_sqrt_len, "mean_sqrt_len");
  add(weightedmean, "weightedmean");
  add(lasttoken, "lasttoken");
  return out.empty() ? "none" : out;
}

bool is_sentence_transformer_folder(const fs::path& folder) { return fs::exists(folder / "modules.json"); }

SentenceTransformerInfo read_sentence_transformer_folder(const fs::path& folder) {
  const fs::path modules_file = folder / "modules.json";
  const json modules = read_json_file(modules_file);
  if (!modules.is_array()) throw Error(fmt::format("{}: expected a JSON array of modules", modules_file.string()));
  SentenceTransformerInfo info;
  bool have_transformer = false, have_pooling = false;
  for (const auto& m : modules) {
    if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
      throw Error(fmt::format("{}: every module needs a \"type\" string", modules_file.string()));
    }
    const auto type = m["type"].get<std::string>();
    const fs::path rel = m.contains("path") && m["path"].is_string() ? fs::path(m["path"].get<std::string>()) : fs::path();
    if (rel.is_absolute() || rel.lexically_normal().string().rfind("..", 0) == 0) {
      throw Error(fmt::format("{}: module path \"{}\" leaves the folder", modules_file.string(), rel.string()));
    }
    const fs::path dir = rel.empty() ? folder : folder / rel;
    // Types are dotted Python class paths; the last part is what matters.
    const auto dot = type.rfind('.');
    const std::string kind = dot == std::string::npos ? type : type.substr(dot + 1);
    if (kind == "Transformer") {
      info.transformer_folder = dir;
      have_transformer = true;
      if (fs::exists(dir / "sentence_bert_config.json")) {
        const json st = read_json_file(dir / "sentence_bert_config.json");
        if (st.contains("max_seq_length") && st["max_seq_length"].is_number_integer()) {
          info.max_seq_length = st["max_seq_length"].get<std::int64_t>();
        }
        info.do_lower_case = flag(st, "do_lower_case", dir / "sentence_bert_config.json");
      }
    } else if (kind == "Pooling") {
      info.pooling = read_pooling(dir / "config.json");
      have_pooling = true;
    } else if (kind == "Normalize") {
      info.normalize = true;
    } else {
      throw Error(fmt::format("{}: module type \"{}\" is not supported (mtlab runs Transformer, Pooling and "
                              "Normalize modules)",
                              modules_file.string(), type));
    }
  }
  if (!have_transformer) {
    throw Error(fmt::format("{}: no sentence_transformers.models.Transformer module", modules_file.string()));
  }
  // sentence-transformers without a Pooling module falls back to mean pooling.
  if (!have_pooling) info.pooling.mean = true;
  return info;
}

}  // namespace mtlab::io
