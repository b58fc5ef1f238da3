#pragma once
// The data formats, the keys each reads, their bounds, choices and defaults: one
// home that the spec schema (which keys a [data] table may hold, per format, and
// docs/spec.md) and the readers (what they accept) both use. docs/data.md
// describes the formats.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

class Config;

struct DataKeyRule {
  std::string_view key;
  std::string_view formats;  // the formats that read it, comma-separated; "" = every format
  double min = -std::numeric_limits<double>::infinity();  // numbers: the range
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string_view> choices = {};  // strings: the values taken
};

// The default of every [data] key that has one.
struct DataDefaults {
  std::string_view encoding = "utf-8";
  double dev_fraction = 0.0;  // none
  std::int64_t split_seed = 13;
  std::int64_t limit = 0;  // limit_train, limit_dev, limit_test: all
  std::string_view scheme = "bio";
  std::string_view words_file = "seq.in", tags_file = "seq.out", label_file = "label";  // joint
  std::int64_t word_column = 0, tag_column = -1;                                       // conll
  bool header = false;                                                                 // tsv, csv
  std::int64_t text_column = 0, label_column = -1, columns = 0;
  std::string_view label_field = "whole", label_delimiter = ":";
  std::string_view text_key = "text", label_key = "label", tokens_key = "tokens", tags_key = "tags";  // jsonl
  std::uint64_t seed = 13;  // synthetic
  std::int64_t train_size = 2000, dev_size = 300, test_size = 300;
  double noise = 0.05;
};
inline constexpr DataDefaults kDataDefaults{};

// joint, conll, tsv, csv, jsonl, text, synthetic.
const std::vector<std::string>& data_formats();

// Every key of a [data] table, in reference order, with the formats that read it.
const std::vector<DataKeyRule>& data_key_rules();

// The rule of `key`; throws Error for a key not in the table.
const DataKeyRule& data_key_rule(std::string_view key);
// The formats that read `key` ("" = all); throws Error for a key not in the table.
std::string_view data_key_formats(std::string_view key);

// A data table's key within its rule's range or choices, or the fallback when absent.
std::int64_t data_int(const Config& table, std::string_view key, std::int64_t fallback);
double data_double(const Config& table, std::string_view key, double fallback);
std::string data_string(const Config& table, std::string_view key, std::string_view fallback);

// Every key a table of this format accepts, in table order; throws Error naming
// the formats (with a "did you mean") for an unknown one.
std::vector<std::string> data_keys_of(std::string_view format);

}  // namespace mtlab
