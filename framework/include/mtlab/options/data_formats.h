#pragma once
// The data formats and the keys each reads: one table that the spec schema
// (which keys a [data] table may hold, per format) and read_dataset (which keys
// it accepts) both use. docs/data.md describes the formats.
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

struct DataKeyRule {
  std::string_view key;
  std::string_view formats;  // the formats that read it, comma-separated; "" = every format
};

// joint, conll, tsv, csv, jsonl, synthetic.
const std::vector<std::string>& data_formats();

// Every key of a [data] table, in reference order, with the formats that read it.
const std::vector<DataKeyRule>& data_key_rules();

// The formats that read `key` ("" = all); throws Error for a key not in the table.
std::string_view data_key_formats(std::string_view key);

// Every key a table of this format accepts, in table order; throws Error naming
// the formats (with a "did you mean") for an unknown one.
std::vector<std::string> data_keys_of(std::string_view format);

}  // namespace mtlab
