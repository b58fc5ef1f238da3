#include "mtlab/options/data_formats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/core/suggest.h"

namespace mtlab {
namespace {

// The formats that read files: all but synthetic.
constexpr std::string_view kFiles = "joint,conll,tsv,csv,jsonl,text";
constexpr double kAny = std::numeric_limits<double>::infinity();  // no bound (its negation as a minimum)

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
  static const std::vector<std::string> formats = {"joint", "conll", "tsv", "csv", "jsonl", "text", "synthetic"};
  return formats;
}

const std::vector<DataKeyRule>& data_key_rules() {
  static const std::vector<DataKeyRule> rules = {
      {"format", ""},
      {"train", kFiles},
      {"dev", kFiles},
      {"test", kFiles},
      {"encoding", kFiles, -kAny, kAny, {"utf-8", "utf8", "UTF-8", "latin-1", "latin1", "iso-8859-1", "ISO-8859-1"}},
      {"dev_fraction", kFiles, 0, 0.5},
      {"split_seed", kFiles, 0, 9.2e18},
      {"limit_train", kFiles, 0, 1e9},
      {"limit_dev", kFiles, 0, 1e9},
      {"limit_test", kFiles, 0, 1e9},
      {"scheme", "joint,conll,jsonl", -kAny, kAny, {"bio", "iob2", "iob1", "BIO", "IOB2", "IOB1"}},
      {"words_file", "joint"},
      {"tags_file", "joint"},
      {"label_file", "joint"},
      {"word_column", "conll", -64, 63},
      {"tag_column", "conll", -64, 63},
      {"separator", "conll,tsv,csv"},
      {"header", "tsv,csv"},
      {"text_column", "tsv,csv", -1024, 1024},
      {"label_column", "tsv,csv", -1024, 1024},
      {"columns", "tsv,csv", 0, 1024},
      {"label_field", "tsv,csv", -kAny, kAny, {"whole", "coarse", "fine"}},
      {"label_delimiter", "tsv,csv"},
      {"text_key", "jsonl"},
      {"label_key", "jsonl"},
      {"tokens_key", "jsonl"},
      {"tags_key", "jsonl"},
      {"seed", "synthetic", 0, 9.2e18},
      {"train_size", "synthetic", 1, 200000},
      {"dev_size", "synthetic", 0, 100000},
      {"test_size", "synthetic", 0, 100000},
      {"noise", "synthetic", 0, 1},
  };
  return rules;
}

const DataKeyRule& data_key_rule(std::string_view key) {
  for (const auto& r : data_key_rules()) {
    if (r.key == key) return r;
  }
  throw Error(fmt::format("'{}' is not a data key", key));
}

std::string_view data_key_formats(std::string_view key) { return data_key_rule(key).formats; }

std::int64_t data_int(const Config& table, std::string_view key, std::int64_t fallback) {
  const auto& r = data_key_rule(key);
  const auto bound = [](double v, std::int64_t none) { return std::isfinite(v) ? static_cast<std::int64_t>(v) : none; };
  return table.get_int(key, fallback, bound(r.min, INT64_MIN), bound(r.max, INT64_MAX));
}

double data_double(const Config& table, std::string_view key, double fallback) {
  const auto& r = data_key_rule(key);
  return table.get_double(key, fallback, r.min, r.max);
}

std::string data_string(const Config& table, std::string_view key, std::string_view fallback) {
  const auto& r = data_key_rule(key);
  if (r.choices.empty()) return table.get_string(key, std::string(fallback));
  return table.get_choice(key, std::string(fallback), {r.choices.begin(), r.choices.end()});
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
