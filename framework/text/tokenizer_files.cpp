// BertTokenizer::from_folder and save: the Hugging Face tokenizer files
// (vocab.txt, tokenizer_config.json, special_tokens_map.json).
#include <fmt/format.h>

#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mtlab/core/error.h"
#include "mtlab/text/bert_tokenizer.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open", file.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    json j = json::parse(buffer.str());
    if (!j.is_object()) throw Error(fmt::format("{}: expected a JSON object, got {}", file.string(), j.type_name()));
    return j;
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: not valid JSON: {}", file.string(), e.what()));
  }
}

[[noreturn]] void wrong_type(const fs::path& file, const std::string& key, std::string_view expected, const json& got) {
  throw Error(fmt::format("{}: '{}' must be {}, got {}", file.string(), key, expected, got.dump()));
}

// A present, non-null value of `key`, or nullptr.
const json* find(const json& j, const std::string& key) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

void read_bool(const json& j, const fs::path& file, const std::string& key, bool& out) {
  if (const json* v = find(j, key)) {
    if (!v->is_boolean()) wrong_type(file, key, "true or false", *v);
    out = v->get<bool>();
  }
}

// A token is written as a string or, by newer Hugging Face versions, as an
// AddedToken object {"content": ..., ...}.
std::string token_of(const json& v, const fs::path& file, const std::string& key) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  wrong_type(file, key, "a string or an object with a string \"content\"", v);
}

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
  if (const json* v = find(j, "model_max_length")) {
    // Hugging Face writes int(1e30) for "no limit", which JSON readers see as a float.
    constexpr auto kNoLimit = std::numeric_limits<std::int64_t>::max();
    if (v->is_number_unsigned()) {
      o.model_max_length = v->get<std::uint64_t>() > static_cast<std::uint64_t>(kNoLimit) ? kNoLimit
                                                                                          : v->get<std::int64_t>();
    } else if (v->is_number_integer()) {
      o.model_max_length = v->get<std::int64_t>();
    } else if (v->is_number_float()) {
      o.model_max_length = v->get<double>() >= 9.2e18 ? kNoLimit : static_cast<std::int64_t>(v->get<double>());
    } else {
      wrong_type(file, "model_max_length", "a positive integer", *v);
    }
    if (o.model_max_length < 1) wrong_type(file, "model_max_length", "a positive integer", *v);
  }
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
  read_tokens(j, file, o);
}

void write_json(const fs::path& file, const json& j) {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot write", file.string()));
  out << j.dump(2) << '\n';
  if (!out) throw Error(fmt::format("{}: writing failed", file.string()));
}

}  // namespace

BertTokenizer BertTokenizer::from_folder(const fs::path& folder) {
  if (!fs::is_directory(folder)) throw Error(fmt::format("{}: not a folder (expected a tokenizer folder with vocab.txt)", folder.string()));
  const auto vocab_file = folder / "vocab.txt";
  if (!fs::exists(vocab_file)) {
    throw Error(fmt::format("{}: no vocab.txt (a BERT WordPiece tokenizer folder needs vocab.txt, and optionally "
                            "tokenizer_config.json and special_tokens_map.json)",
                            folder.string()));
  }
  TokenizerOptions options;
  // As in from_pretrained: the config first, then special_tokens_map.json overrides the tokens.
  for (const char* name : {"tokenizer_config.json", "special_tokens_map.json"}) {
    const auto file = folder / name;
    if (!fs::exists(file)) continue;
    const json j = read_json(file);
    if (std::string_view(name) == "tokenizer_config.json") {
      read_config(j, file, options);
    } else {
      read_tokens(j, file, options);
    }
  }
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
      {"tokenizer_class", "BertTokenizer"},
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
  write_json(folder / "tokenizer_config.json", config);
  write_json(folder / "special_tokens_map.json", map);
}

}  // namespace mtlab
