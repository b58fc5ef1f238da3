// RobertaTokenizer::from_folder and save: vocab.json, merges.txt,
// tokenizer_config.json and special_tokens_map.json.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mtlab/core/error.h"
#include "mtlab/text/roberta_tokenizer.h"
#include "text/bpe_files.h"
#include "text/config_files.h"
#include "text/json_fields.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The named special tokens, with their keys in the files.
std::vector<std::pair<const char*, AddedToken*>> named_tokens(RobertaOptions& o) {
  return {{"bos_token", &o.bos_token}, {"eos_token", &o.eos_token}, {"sep_token", &o.sep_token},
          {"cls_token", &o.cls_token}, {"unk_token", &o.unk_token}, {"pad_token", &o.pad_token},
          {"mask_token", &o.mask_token}};
}

// A token read from tokenizer_config.json goes through RobertaTokenizer.__init__:
// a plain string keeps the default stripping (only <mask> strips on its left).
// One read from special_tokens_map.json replaces the attribute: a plain string
// there is no AddedToken, and HF strips whitespace on both of its sides.
AddedToken read_token(const json& v, const fs::path& file, const std::string& key, const AddedToken& before,
                      bool from_map) {
  const auto fields = text::added_token_of(v, file, key);
  if (fields.is_object) return {fields.content, fields.lstrip, fields.rstrip};
  if (from_map) return {fields.content, true, true};
  return {fields.content, before.lstrip, before.rstrip};
}

void read_tokens(const json& j, const fs::path& file, bool from_map, RobertaOptions& o) {
  for (auto [key, field] : named_tokens(o)) {
    if (const json* v = text::find(j, key)) *field = read_token(*v, file, key, *field, from_map);
  }
  if (const json* v = text::find(j, "additional_special_tokens")) {
    if (!v->is_array()) text::wrong_type(file, "additional_special_tokens", "a list of tokens", *v);
    o.additional_special_tokens.clear();
    for (const auto& t : *v) {
      o.additional_special_tokens.push_back(read_token(t, file, "additional_special_tokens", {}, from_map));
    }
  }
}

void read_config(const json& j, const fs::path& file, RobertaOptions& o) {
  text::read_bool(j, file, "add_prefix_space", o.add_prefix_space);
  if (const json* v = text::find(j, "model_max_length")) o.model_max_length = text::model_max_length_of(*v, file);
  if (const json* v = text::find(j, "errors")) {
    if (!v->is_string()) text::wrong_type(file, "errors", "a string", *v);
    o.errors = v->get<std::string>();
  }
  read_tokens(j, file, /*from_map=*/false, o);
}

// AddedToken as save_pretrained writes it (tokenizer_config.json adds "__type").
json token_json(const AddedToken& t, bool with_type) {
  json j = {{"content", t.content}, {"lstrip", t.lstrip}, {"normalized", true},
            {"rstrip", t.rstrip},   {"single_word", false}};
  if (with_type) j["__type"] = "AddedToken";
  return j;
}

}  // namespace

void text::apply_config_files(const fs::path& folder, RobertaOptions& options) {
  // As in from_pretrained: the config first, then special_tokens_map.json overrides the tokens.
  if (const auto file = folder / "tokenizer_config.json"; fs::exists(file)) {
    read_config(text::read_json_object(file), file, options);
  }
  if (const auto file = folder / "special_tokens_map.json"; fs::exists(file)) {
    read_tokens(text::read_json_object(file), file, /*from_map=*/true, options);
  }
}

RobertaTokenizer RobertaTokenizer::from_folder(const fs::path& folder) {
  if (!fs::is_directory(folder)) {
    throw Error(fmt::format("{}: not a folder (expected a tokenizer folder with vocab.json and merges.txt)", folder.string()));
  }
  for (const char* name : {"vocab.json", "merges.txt"}) {
    if (!fs::exists(folder / name)) {
      throw Error(fmt::format("{}: no {} (a RoBERTa byte-level BPE tokenizer folder needs vocab.json and merges.txt, "
                              "and optionally tokenizer_config.json and special_tokens_map.json)",
                              folder.string(), name));
    }
  }
  RobertaOptions options;
  text::apply_config_files(folder, options);
  try {
    return from_files(folder / "vocab.json", folder / "merges.txt", std::move(options));
  } catch (const Error&) {
    rethrow_with_context(folder.string());
  }
}

RobertaTokenizer RobertaTokenizer::from_files(const fs::path& vocab_json, const fs::path& merges_txt,
                                              RobertaOptions options) {
  return RobertaTokenizer(text::read_vocab_json(vocab_json), text::read_merges_txt(merges_txt), std::move(options));
}

void RobertaTokenizer::save(const fs::path& folder) const {
  fs::create_directories(folder);
  text::write_vocab_json(folder / "vocab.json", vocab_);
  text::write_merges_txt(folder / "merges.txt", merges());
  RobertaOptions o = options_;
  // The keys and layout RobertaTokenizer.save_pretrained (v4.33) writes.
  json config = {{"add_prefix_space", o.add_prefix_space},
                 {"clean_up_tokenization_spaces", true},
                 {"errors", o.errors},
                 {"model_max_length", o.model_max_length},
                 {"tokenizer_class", "RobertaTokenizer"}};
  json map = json::object();
  for (auto [key, token] : named_tokens(o)) {
    config[key] = token_json(*token, true);
    map[key] = token_json(*token, false);
  }
  if (!o.additional_special_tokens.empty()) {
    for (const auto& t : o.additional_special_tokens) {
      config["additional_special_tokens"].push_back(token_json(t, true));
      map["additional_special_tokens"].push_back(token_json(t, false));
    }
  }
  text::write_json(folder / "tokenizer_config.json", config);
  text::write_json(folder / "special_tokens_map.json", map);
}

}  // namespace mtlab
