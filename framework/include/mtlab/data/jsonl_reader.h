#pragma once
// `format = "jsonl"`: one JSON object per line with a sentence (`text`, or
// `tokens` as an array of words), an optional sentence `label` (string or
// integer) and optional word `tags` (one per token). Blank lines are skipped.
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/options/data_formats.h"
#include "mtlab/data/example.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/data/text_lines.h"

namespace mtlab {

class Config;

struct JsonlOptions {
  std::string text_key{kDataDefaults.text_key};
  std::string label_key{kDataDefaults.label_key};
  std::string tokens_key{kDataDefaults.tokens_key};
  std::string tags_key{kDataDefaults.tags_key};
  TagScheme scheme = TagScheme::bio;
  TextEncoding encoding = TextEncoding::utf8;
};

// Keys: text_key, label_key, tokens_key, tags_key, scheme, encoding (which formats read a key: mtlab/options/data_formats.h).
JsonlOptions jsonl_options(const Config& table);

std::vector<Example> read_jsonl(const std::filesystem::path& file, const JsonlOptions& options);

}  // namespace mtlab
