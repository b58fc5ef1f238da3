#pragma once
// `format = "conll"`: CoNLL column files. One word per line with its columns
// separated by whitespace (or one separator character); a blank line ends a
// sentence; `-DOCSTART-` lines are document markers and are skipped.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/options/data_formats.h"
#include "mtlab/data/example.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/data/text_lines.h"

namespace mtlab {

class Config;

struct ConllOptions {
  std::int64_t word_column = kDataDefaults.word_column;
  std::int64_t tag_column = kDataDefaults.tag_column;   // negative counts from the end: -1 is the last column
  std::string separator;          // "" = runs of spaces/tabs; otherwise one character, e.g. "\t"
  TagScheme scheme = TagScheme::bio;  // iob1 input is converted to BIO
  TextEncoding encoding = TextEncoding::utf8;
};

// Keys: word_column, tag_column, separator, scheme, encoding (which formats read a key: mtlab/options/data_formats.h).
ConllOptions conll_options(const Config& table);

// Every non-blank line of a file must have as many columns as its first one.
std::vector<Example> read_conll(const std::filesystem::path& file, const ConllOptions& options);

}  // namespace mtlab
