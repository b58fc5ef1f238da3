// BertTokenizer::from_folder and save: the Hugging Face tokenizer files
// (vocab.txt, tokenizer_config.json, special_tokens_map.json).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"
#include "mtlab/text/bert_tokenizer.h"
#include "text/config_files.h"
#include "text/json_fields.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using text::find;
using text::read_bool;
using text::token_of;
using text::wrong_type;

void read_tokens(const json& j, const fs::path& file, TokenizerOptions& o) {
  const std::pair<const char*, std::string*> named[] = {{"unk_token", &o.unk_token},
                                                        {"cls_token", &o.cls_token},
                                                        {"sep_token", &o.sep_token},
                                                        {"pad_token", &o.pad_token},
                                                        {"mask_token", &o.mask_token}};
  for (const auto& [key, field] : named) {
    if (const json* v = find(j, key)) *field = token_of(*v, file, key);
  }
  if (const json* v = find(j, "additional_special_tokens")) {
    if (!v->is_array()) wrong_type(file, "additional_special_tokens", "a list of tokens", *v);
    o.additional_special_tokens.clear();
    for (const auto& t : *v) o.additional_special_tokens.push_back(token_of(t, file, "additional_special_tokens"));
  }
}

void read_config(const json& j, const fs::path& file, TokenizerOptions& o) {
  read_bool(j, file, "do_lower_case", o.do_lower_case);
  read_bool(j, file, "tokenize_chinese_chars", o.tokenize_chinese_chars);
  read_bool(j, file, "do_basic_tokenize", o.do_basic_tokenize);
  if (const json* v = find(j, "strip_accents")) {
    if (!v->is_boolean()) wrong_type(file, "strip_accents", "true, false or null", *v);
    o.strip_accents = v->get<bool>();
  }
  if (const json* v = find(j, "model_max_length")) o.model_max_length = text::model_max_length_of(*v, file);
  if (const json* v = find(j, "max_input_chars_per_word")) {
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0) {
      wrong_type(file, "max_input_chars_per_word", "a non-negative integer", *v);
    }
    o.max_input_chars_per_word = v->get<std::int64_t>();
  }
  if (const json* v = find(j, "never_split")) {
    if (!v->is_array()) wrong_type(file, "never_split", "a list of strings or null", *v);
    o.never_split.clear();
    for (const auto& t : *v) {
      if (!t.is_string()) wrong_type(file, "never_split", "a list of strings or null", *v);
      o.never_split.push_back(t.get<std::string>());
    }
  }
  if (const json* v = find(j, "tokenizer_class")) {
    if (!v->is_string()) wrong_type(file, "tokenizer_class", "a string", *v);
    o.tokenizer_class = v->get<std::string>();
  }
  read_tokens(j, file, o);
}

}  // namespace

void text::apply_config_files(const fs::path& folder, TokenizerOptions& options) {
  // As in from_pretrained: the config first, then special_tokens_map.json overrides the tokens.
  if (const auto file = folder / "tokenizer_config.json"; fs::exists(file)) {
    read_config(text::read_json_object(file), file, options);
  }
  if (const auto file = folder / "special_tokens_map.json"; fs::exists(file)) {
    read_tokens(text::read_json_object(file), file, options);
  }
}

BertTokenizer BertTokenizer::from_folder(const fs::path& folder) {
  if (!fs::is_directory(folder)) throw Error(fmt::format("{}: not a folder (expected a tokenizer folder with vocab.txt)", folder.string()));
  const auto vocab_file = folder / "vocab.txt";
  if (!fs::exists(vocab_file)) {
    throw Error(fmt::format("{}: no vocab.txt (a BERT WordPiece tokenizer folder needs vocab.txt, and optionally "
                            "tokenizer_config.json and special_tokens_map.json)",
                            folder.string()));
  }
  TokenizerOptions options;
  text::apply_config_files(folder, options);
  try {
    return BertTokenizer(Vocab::load(vocab_file), std::move(options));
  } catch (const Error&) {
    rethrow_with_context(folder.string());
  }
}

void BertTokenizer::save(const fs::path& folder) const {
  fs::create_directories(folder);
  vocab_.save(folder / "vocab.txt");
  const auto& o = options_;
  // The keys and layout BertTokenizer.save_pretrained (v4.33) writes.
  json config = {
      {"clean_up_tokenization_spaces", true},
      {"cls_token", o.cls_token},
      {"do_basic_tokenize", o.do_basic_tokenize},
      {"do_lower_case", o.do_lower_case},
      {"mask_token", o.mask_token},
      {"model_max_length", o.model_max_length},
      {"never_split", o.never_split.empty() ? json(nullptr) : json(o.never_split)},
      {"pad_token", o.pad_token},
      {"sep_token", o.sep_token},
      {"strip_accents", o.strip_accents ? json(*o.strip_accents) : json(nullptr)},
      {"tokenize_chinese_chars", o.tokenize_chinese_chars},
      {"tokenizer_class", o.tokenizer_class},
      {"unk_token", o.unk_token},
  };
  if (o.max_input_chars_per_word != TokenizerOptions{}.max_input_chars_per_word) {
    config["max_input_chars_per_word"] = o.max_input_chars_per_word;
  }
  json map = {{"cls_token", o.cls_token}, {"mask_token", o.mask_token}, {"pad_token", o.pad_token},
              {"sep_token", o.sep_token}, {"unk_token", o.unk_token}};
  if (!o.additional_special_tokens.empty()) {
    config["additional_special_tokens"] = o.additional_special_tokens;
    map["additional_special_tokens"] = o.additional_special_tokens;
  }
  text::write_json(folder / "tokenizer_config.json", config);
  text::write_json(folder / "special_tokens_map.json", map);
}

}  // namespace mtlab
