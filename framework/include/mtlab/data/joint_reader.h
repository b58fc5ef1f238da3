#pragma once
// `format = "joint"`: the ATIS/SNIPS layout, one folder per split holding three
// line-aligned files: words (seq.in), one tag per word (seq.out) and one sentence
// label per line (label). Words and tags split on runs of spaces; leading and
// trailing spaces are ignored.
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/options/data_formats.h"
#include "mtlab/data/example.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/data/text_lines.h"

namespace mtlab {

class Config;

struct JointOptions {
  std::string words_file{kDataDefaults.words_file};
  std::string tags_file{kDataDefaults.tags_file};
  std::string label_file{kDataDefaults.label_file};
  TagScheme scheme = TagScheme::bio;
  TextEncoding encoding = TextEncoding::utf8;
};

// Keys: words_file, tags_file, label_file, scheme, encoding (which formats read a key: mtlab/options/data_formats.h).
JointOptions joint_options(const Config& table);

std::vector<Example> read_joint(const std::filesystem::path& folder, const JointOptions& options);

}  // namespace mtlab
