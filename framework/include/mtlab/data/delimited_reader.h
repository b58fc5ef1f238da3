#pragma once
// `format = "tsv"` / `"csv"`: one sentence per line with a text column and a
// label column. Covers SST-2 (`text<TAB>label`), SST-5 (`label text`, split on
// the first space) and TREC (`COARSE:fine text`, coarse or fine labels).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/options/data_formats.h"
#include "mtlab/data/example.h"
#include "mtlab/data/text_lines.h"

namespace mtlab {

class Config;

struct DelimitedOptions {
  char separator = '\t';         // tsv: tab; csv: comma (csv honours "double quotes")
  bool quoted = false;           // csv-style quoting: "a, b" and "" inside quotes
  bool header = kDataDefaults.header;           // the first line names the columns
  // Columns by 0-based index (negative counts from the end) or, with a header,
  // by name. Defaults: text first, label last.
  std::string text_column = std::to_string(kDataDefaults.text_column);
  std::string label_column = std::to_string(kDataDefaults.label_column);
  // 0: every line must have as many fields as the first line. N > 0: a line is
  // split into exactly N fields and the text field absorbs any extra separators
  // (so `label text with spaces` is 2 columns with separator " ").
  std::int64_t columns = kDataDefaults.columns;
  // "whole" keeps the label field; "coarse" keeps the part before the first
  // label_delimiter (TREC "LOC:city" → "LOC"); "fine" = whole field (TREC's convention).
  std::string label_field{kDataDefaults.label_field};
  std::string label_delimiter{kDataDefaults.label_delimiter};
  TextEncoding encoding = TextEncoding::utf8;
};

// Keys: separator, header, text_column, label_column, columns, label_field,
// label_delimiter, encoding. `csv` = true selects comma and quoting defaults.
DelimitedOptions delimited_options(const Config& table, bool csv);

std::vector<Example> read_delimited(const std::filesystem::path& file, const DelimitedOptions& options);

}  // namespace mtlab
