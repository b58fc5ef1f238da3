#include "mtlab/options/data_formats.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "mtlab/core/suggest.h"

namespace mtlab {
namespace {

// The formats that read files: all but synthetic.
constexpr std::string_view kFiles = "joint,conll,tsv,csv,jsonl";

bool lists(std::string_view formats, std::string_view format) {
  if (formats.empty()) return true;
  while (!formats.empty()) {
    const auto comma = formats.find(',');
    if (formats.substr(0, comma) == format) return true;
    formats = comma == std::string_view::npos ? std::string_view() : formats.substr(comma + 1);
  }
  return false;
}

}  // namespace

const std::vector<std::string>& data_formats() {
  static const std::vector<std::string> formats = {"joint", "conll", "tsv", "csv", "jsonl", "synthetic"};
  return formats;
}

const std::vector<DataKeyRule>& data_key_rules() {
  static const std::vector<DataKeyRule> rules = {
      {"format", ""},
      {"train", kFiles},
      {"dev", kFiles},
      {"test", kFiles},
      {"encoding", kFiles},
      {"dev_fraction", kFiles},
      {"split_seed", kFiles},
      {"limit_train", kFiles},
      {"limit_dev", kFiles},
      {"limit_test", kFiles},
      {"scheme", "joint,conll,jsonl"},
      {"words_file", "joint"},
      {"tags_file", "joint"},
      {"label_file", "joint"},
      {"word_column", "conll"},
      {"tag_column", "conll"},
      {"separator", "conll,tsv,csv"},
      {"header", "tsv,csv"},
      {"text_column", "tsv,csv"},
      {"label_column", "tsv,csv"},
      {"columns", "tsv,csv"},
      {"label_field", "tsv,csv"},
      {"label_delimiter", "tsv,csv"},
      {"text_key", "jsonl"},
      {"label_key", "jsonl"},
      {"tokens_key", "jsonl"},
      {"tags_key", "jsonl"},
      {"seed", "synthetic"},
      {"train_size", "synthetic"},
      {"dev_size", "synthetic"},
      {"test_size", "synthetic"},
      {"noise", "synthetic"},
  };
  return rules;
}

std::string_view data_key_formats(std::string_view key) {
  for (const auto& r : data_key_rules()) {
    if (r.key == key) return r.formats;
  }
  throw Error(fmt::format("'{}' is not a data key", key));
}

std::vector<std::string> data_keys_of(std::string_view format) {
  const auto& formats = data_formats();
  if (std::find(formats.begin(), formats.end(), format) == formats.end()) {
    throw Error(fmt::format("unknown data format '{}', expected one of {}{}", format, join(formats),
                            did_you_mean(format, formats)));
  }
  std::vector<std::string> out;
  for (const auto& r : data_key_rules()) {
    if (lists(r.formats, format)) out.emplace_back(r.key);
  }
  return out;
}

}  // namespace mtlab
