// load_tokenizer_json: Hugging Face's tokenizer.json read into the slow-exact
// tokenizer classes. Only what those classes can represent is accepted.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "mtlab/core/error.h"
#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/text/load_tokenizer.h"
#include "mtlab/text/roberta_tokenizer.h"
#include "text/bpe_files.h"
#include "text/config_files.h"
#include "text/json_fields.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// One JSON value of tokenizer.json with its path, so that every error names
// the file, the path and what was expected.
struct Node {
  const json& value;
  std::string path;
  const fs::path& file;

  [[noreturn]] void fail(const std::string& message) const {
    throw Error(fmt::format("{}: {} {}", file.string(), path, message));
  }
  Node at(const std::string& key) const {
    static const json null;
    auto it = value.is_object() ? value.find(key) : value.end();
    return {it == value.end() ? null : *it, path.empty() ? key : path + "." + key, file};
  }
  Node at(std::size_t i) const { return {value.at(i), fmt::format("{}[{}]", path, i), file}; }
  std::string string() const {
    if (!value.is_string()) fail(fmt::format("must be a string, got {}", value.dump()));
    return value.get<std::string>();
  }
  bool boolean_or(bool fallback) const {
    if (value.is_null()) return fallback;
    if (!value.is_boolean()) fail(fmt::format("must be true or false, got {}", value.dump()));
    return value.get<bool>();
  }
  std::int64_t integer() const {
    if (!value.is_number_integer()) fail(fmt::format("must be an integer, got {}", value.dump()));
    return value.get<std::int64_t>();
  }
  // The "type" of a component; `supported` lists what may be there.
  std::string type(const std::string& supported) const {
    if (value.is_null()) fail(fmt::format("is missing; supported: {}", supported));
    const auto t = at("type");
    if (!t.value.is_string()) t.fail(fmt::format("must be a string naming the {} (supported: {})", path, supported));
    return t.value.get<std::string>();
  }
  [[noreturn]] void unsupported_type(const std::string& got, const std::string& supported) const {
    at("type").fail(fmt::format("'{}' is not supported; supported: {}", got, supported));
  }
  // The value must be null, absent or `allowed` (settings that change nothing here).
  void expect_default(const json& allowed, const std::string& why) const {
    if (!value.is_null() && value != allowed) fail(fmt::format("{} is not supported ({})", value.dump(), why));
  }
};

// A [token, id] pair (BertProcessing's and RobertaProcessing's cls and sep).
AddedToken token_of_pair(const Node& n) {
  if (!n.value.is_array() || n.value.size() != 2) n.fail(fmt::format("must be [token, id], got {}", n.value.dump()));
  return {n.at(0).string()};
}

// TemplateProcessing's single/pair list as "[CLS]:0 $A:0 [SEP]:0".
std::string template_text(const Node& n) {
  if (!n.value.is_array()) n.fail("must be a list of SpecialToken and Sequence items");
  std::string out;
  for (std::size_t i = 0; i < n.value.size(); ++i) {
    const auto item = n.at(i);
    std::string piece;
    if (const auto s = item.at("SpecialToken"); !s.value.is_null()) {
      piece = s.at("id").string();
    } else if (const auto q = item.at("Sequence"); !q.value.is_null()) {
      piece = "$" + q.at("id").string();
    } else {
      item.fail("must be a SpecialToken or a Sequence");
    }
    const auto type = item.at(item.value.contains("SpecialToken") ? "SpecialToken" : "Sequence").at("type_id");
    out += (out.empty() ? "" : " ") + piece + ":" + std::to_string(type.integer());
  }
  return out;
}

// cls and sep of the post-processor, which must be the family's layout.
std::pair<AddedToken, AddedToken> read_post_processor(const Node& p, bool roberta) {
  const std::string supported = roberta ? "RobertaProcessing, TemplateProcessing" : "BertProcessing, TemplateProcessing";
  const auto type = p.type(supported);
  if (type == (roberta ? "RobertaProcessing" : "BertProcessing")) {
    return {token_of_pair(p.at("cls")), token_of_pair(p.at("sep"))};
  }
  if (type != "TemplateProcessing") p.unsupported_type(type, supported);
  const auto single = p.at("single");
  if (!single.value.is_array() || single.value.size() != 3) single.fail("must be [cls, $A, sep]");
  const AddedToken cls{single.at(0).at("SpecialToken").at("id").string()};
  const AddedToken sep{single.at(2).at("SpecialToken").at("id").string()};
  const std::string c = cls.content + ":0", s = sep.content;
  const std::string want_single = c + " $A:0 " + s + ":0";
  const std::string want_pair = roberta ? c + " $A:0 " + s + ":0 " + s + ":0 $B:0 " + s + ":0"
                                        : c + " $A:0 " + s + ":0 $B:1 " + s + ":1";
  if (template_text(single) != want_single) single.fail(fmt::format("must be '{}', got '{}'", want_single, template_text(single)));
  const auto pair = p.at("pair");
  if (template_text(pair) != want_pair) pair.fail(fmt::format("must be '{}' here, got '{}'", want_pair, template_text(pair)));
  return {cls, sep};
}

// added_tokens: every entry must be in the model's vocabulary at its id, or
// come right after it. Returns the special entries by content.
std::vector<AddedToken> read_added_tokens(const Node& list, std::vector<std::string>& tokens) {
  std::vector<AddedToken> specials;
  if (list.value.is_null()) return specials;
  if (!list.value.is_array()) list.fail("must be a list");
  for (std::size_t i = 0; i < list.value.size(); ++i) {
    const auto entry = list.at(i);
    const auto content = entry.at("content").string();
    const auto id = entry.at("id").integer();
    if (!entry.at("special").boolean_or(false)) {
      entry.fail(fmt::format("('{}') is not special; added tokens that are not special are not supported", content));
    }
    if (id == static_cast<std::int64_t>(tokens.size())) {
      tokens.push_back(content);
    } else if (id < 0 || id > static_cast<std::int64_t>(tokens.size()) || tokens[static_cast<std::size_t>(id)] != content) {
      entry.at("id").fail(fmt::format("{} does not hold '{}' in model.vocab", id, content));
    }
    specials.push_back({content, entry.at("lstrip").boolean_or(false), entry.at("rstrip").boolean_or(false)});
  }
  return specials;
}

std::shared_ptr<const Tokenizer> wordpiece_from_json(const fs::path& folder, const Node& root) {
  const auto model = root.at("model");
  if (const auto prefix = model.at("continuing_subword_prefix"); prefix.string() != "##") prefix.fail("must be \"##\"");
  auto tokens = text::vocab_of_json(model.at("vocab").value, root.file.string() + ": model.vocab").tokens();
  const auto added = read_added_tokens(root.at("added_tokens"), tokens);

  TokenizerOptions o;
  o.unk_token = model.at("unk_token").string();
  if (const auto m = model.at("max_input_chars_per_word"); !m.value.is_null()) o.max_input_chars_per_word = m.integer();
  const auto norm = root.at("normalizer");
  if (const auto type = norm.type("BertNormalizer"); type != "BertNormalizer") norm.unsupported_type(type, "BertNormalizer");
  norm.at("clean_text").expect_default(true, "mtlab's WordPiece always cleans text");
  o.do_lower_case = norm.at("lowercase").boolean_or(true);
  o.tokenize_chinese_chars = norm.at("handle_chinese_chars").boolean_or(true);
  if (!norm.at("strip_accents").value.is_null()) o.strip_accents = norm.at("strip_accents").boolean_or(false);
  const auto pre = root.at("pre_tokenizer");
  if (const auto type = pre.type("BertPreTokenizer"); type != "BertPreTokenizer") pre.unsupported_type(type, "BertPreTokenizer");
  std::tie(o.cls_token, o.sep_token) = [&] {
    auto [cls, sep] = read_post_processor(root.at("post_processor"), /*roberta=*/false);
    return std::pair{cls.content, sep.content};
  }();
  for (const auto& t : added) {
    const std::string* named[] = {&o.unk_token, &o.cls_token, &o.sep_token, &o.pad_token, &o.mask_token};
    if (std::none_of(std::begin(named), std::end(named), [&](const std::string* n) { return *n == t.content; })) {
      o.additional_special_tokens.push_back(t.content);
    }
  }
  text::apply_config_files(folder, o);
  return std::make_shared<const BertTokenizer>(Vocab(std::move(tokens)), std::move(o));
}

// model.merges: "a b" strings, or [a, b] lists (tokenizers 0.20 and later).
std::vector<RobertaTokenizer::Merge> merges_of(const Node& list) {
  if (!list.value.is_array()) list.fail("must be a list of merges");
  std::vector<RobertaTokenizer::Merge> merges;
  merges.reserve(list.value.size());
  for (std::size_t i = 0; i < list.value.size(); ++i) {
    const auto& m = list.value[i];
    if (m.is_string()) {
      const auto text = m.get<std::string>();
      const auto space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
        list.at(i).fail(fmt::format("must be two symbols separated by one space, got {}", m.dump()));
      }
      merges.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      list.at(i).fail(fmt::format("must be \"a b\" or [\"a\", \"b\"], got {}", m.dump()));
    }
  }
  return merges;
}

void check_bpe_model(const Node& model) {
  model.at("dropout").expect_default(nullptr, "BPE dropout is for training");
  model.at("continuing_subword_prefix").expect_default("", "byte-level BPE has no subword prefix");
  model.at("end_of_word_suffix").expect_default("", "byte-level BPE has no word suffix");
  model.at("byte_fallback").expect_default(false, "byte-level BPE needs no byte fallback");
  model.at("ignore_merges").expect_default(false, "only merge-by-rank BPE is supported");
}

std::shared_ptr<const Tokenizer> bpe_from_json(const fs::path& folder, const Node& root) {
  const auto model = root.at("model");
  check_bpe_model(model);
  auto tokens = text::vocab_of_json(model.at("vocab").value, root.file.string() + ": model.vocab").tokens();
  auto merges = merges_of(model.at("merges"));
  const auto added = read_added_tokens(root.at("added_tokens"), tokens);

  RobertaOptions o;
  if (const auto unk = model.at("unk_token"); !unk.value.is_null()) o.unk_token = {unk.string()};
  if (const auto norm = root.at("normalizer"); !norm.value.is_null()) {
    norm.unsupported_type(norm.type("none (null)"), "none (null) for a byte-level BPE model");
  }
  const auto pre = root.at("pre_tokenizer");
  if (const auto type = pre.type("ByteLevel"); type != "ByteLevel") pre.unsupported_type(type, "ByteLevel");
  pre.at("use_regex").expect_default(true, "only GPT-2's pattern is supported");
  o.add_prefix_space = pre.at("add_prefix_space").boolean_or(true);
  auto [cls, sep] = read_post_processor(root.at("post_processor"), /*roberta=*/true);
  o.cls_token = o.bos_token = cls;
  o.sep_token = o.eos_token = sep;
  // Stripping comes from added_tokens (roberta-base: <mask> has lstrip).
  AddedToken* named[] = {&o.bos_token, &o.eos_token, &o.sep_token, &o.cls_token,
                         &o.unk_token, &o.pad_token, &o.mask_token};
  for (auto* n : named) n->lstrip = n->rstrip = false;
  for (const auto& t : added) {
    bool is_named = false;
    for (auto* n : named) {
      if (n->content == t.content) *n = t, is_named = true;
    }
    if (!is_named) o.additional_special_tokens.push_back(t);
  }
  text::apply_config_files(folder, o);
  return std::make_shared<const RobertaTokenizer>(Vocab(std::move(tokens)), std::move(merges), std::move(o));
}

}  // namespace

std::shared_ptr<const Tokenizer> load_tokenizer_json(const fs::path& folder) {
  const auto file = folder / "tokenizer.json";
  if (!fs::exists(file)) throw Error(fmt::format("{}: no tokenizer.json", folder.string()));
  const json j = text::read_json_object(file);
  const Node root{j, "", file};
  const auto model = root.at("model");
  const auto type = model.type("WordPiece, BPE");
  try {
    if (type == "WordPiece") return wordpiece_from_json(folder, root);
    if (type == "BPE") return bpe_from_json(folder, root);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: unexpected structure: {}", file.string(), e.what()));
  }
  model.unsupported_type(type, "WordPiece, BPE");
}

}  // namespace mtlab
