// load_tokenizer_folder: which tokenizer family a Hugging Face folder holds.
#include "mtlab/text/load_tokenizer.h"

#include <fmt/format.h>

#include <map>

#include "mtlab/core/error.h"
#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/text/roberta_tokenizer.h"
#include "text/json_fields.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Family { wordpiece, byte_level_bpe };

// config.json's model_type → family; the supported list in errors comes from here.
const std::map<std::string, Family>& model_types() {
  static const std::map<std::string, Family> m = {{"bert", Family::wordpiece},
                                                  {"distilbert", Family::wordpiece},
                                                  {"electra", Family::wordpiece},
                                                  {"roberta", Family::byte_level_bpe}};
  return m;
}

const std::map<std::string, Family>& tokenizer_classes() {
  static const std::map<std::string, Family> m = {{"BertTokenizer", Family::wordpiece},
                                                  {"DistilBertTokenizer", Family::wordpiece},
                                                  {"ElectraTokenizer", Family::wordpiece},
                                                  {"RobertaTokenizer", Family::byte_level_bpe}};
  return m;
}

std::string names_of(const std::map<std::string, Family>& m) {
  std::string out;
  for (const auto& [name, family] : m) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// A string field of a JSON file in the folder, or "" when the file or field is absent.
std::string field_of(const fs::path& file, const char* key) {
  if (!fs::exists(file)) return "";
  const json j = text::read_json_object(file);
  const json* v = text::find(j, key);
  if (!v) return "";
  if (!v->is_string()) text::wrong_type(file, key, "a string", *v);
  return v->get<std::string>();
}

std::optional<Family> family_by_name(const fs::path& folder) {
  if (const auto type = field_of(folder / "config.json", "model_type"); !type.empty()) {
    auto it = model_types().find(type);
    if (it == model_types().end()) {
      throw Error(fmt::format("{}: model_type '{}' has no tokenizer in mtlab; supported: {}",
                              (folder / "config.json").string(), type, names_of(model_types())));
    }
    return it->second;
  }
  auto cls = field_of(folder / "tokenizer_config.json", "tokenizer_class");
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  if (cls.empty()) return std::nullopt;
  auto it = tokenizer_classes().find(cls);
  if (it == tokenizer_classes().end()) {
    throw Error(fmt::format("{}: tokenizer_class '{}' is not supported; supported: {} (and their Fast forms)",
                            (folder / "tokenizer_config.json").string(), cls, names_of(tokenizer_classes())));
  }
  return it->second;
}

bool has_slow_files(const fs::path& folder, Family family) {
  if (family == Family::wordpiece) return fs::exists(folder / "vocab.txt");
  return fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt");
}

}  // namespace

std::shared_ptr<const Tokenizer> load_tokenizer_folder(const fs::path& folder) {
  if (!fs::is_directory(folder)) throw Error(fmt::format("{}: not a folder (expected a tokenizer or model folder)", folder.string()));
  auto family = family_by_name(folder);
  if (!family) {
    if (has_slow_files(folder, Family::wordpiece)) family = Family::wordpiece;
    else if (has_slow_files(folder, Family::byte_level_bpe)) family = Family::byte_level_bpe;
  }
  if (family && has_slow_files(folder, *family)) {
    if (*family == Family::wordpiece) return std::make_shared<const BertTokenizer>(BertTokenizer::from_folder(folder));
    return std::make_shared<const RobertaTokenizer>(RobertaTokenizer::from_folder(folder));
  }
  if (fs::exists(folder / "tokenizer.json")) {
    auto tokenizer = load_tokenizer_json(folder);
    const bool is_bpe = dynamic_cast<const RobertaTokenizer*>(tokenizer.get()) != nullptr;
    if (family && is_bpe != (*family == Family::byte_level_bpe)) {
      throw Error(fmt::format("{}: its model is {}, but the folder's config names a {} tokenizer",
                              (folder / "tokenizer.json").string(), is_bpe ? "BPE" : "WordPiece",
                              *family == Family::byte_level_bpe ? "byte-level BPE" : "WordPiece"));
    }
    return tokenizer;
  }
  throw Error(fmt::format("{}: no tokenizer files (expected vocab.txt for WordPiece (BERT, DistilBERT, ELECTRA), "
                          "vocab.json and merges.txt for byte-level BPE (RoBERTa), or tokenizer.json)",
                          folder.string()));
}

}  // namespace mtlab
