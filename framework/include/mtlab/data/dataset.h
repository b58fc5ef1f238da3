#pragma once
// A dataset with its three splits, read from the `[data]` table of a spec (an
// mtlab::Config view) by the reader its `format` names. See docs/data.md.
#include <filesystem>
#include <string>
#include <vector>

#include "mtlab/data/example.h"

namespace mtlab {

class Config;

struct Dataset {
  std::string format;   // "joint", "conll", "tsv", "csv", "jsonl", "text", "synthetic"
  std::string source;   // where the data came from, e.g. "joint: /data/atis/{train,dev,test}"
  std::vector<Example> train;
  std::vector<Example> dev;   // may be empty when the table names no dev split
  std::vector<Example> test;  // may be empty when the table names no test split

  // Every example in every split has the same shape; these describe it.
  bool has_labels() const;  // sentence labels present
  bool has_tags() const;    // word-level tags present
};

// Reads the splits the table names. Keys shared by the file formats:
//   format                     one of data_formats() (required; mtlab/options/data_formats.h)
//   train, dev, test           file (folder for `joint`) paths; train is required.
//                              A ${NAME} left in a path is taken from the environment,
//                              then a relative path resolves against `base_dir`
//                              (resolve_env_path: the spec's rules, "$$" a literal "$").
//   encoding                   "utf-8" (default) | "latin-1"
//   dev_fraction, split_seed   carve a dev split out of train when no dev is given
//                              (a seeded shuffle; the rest stays in train)
//   limit_train/dev/test       keep only the first N examples of a split (0 = all)
// plus each format's own keys (data_keys_of(), the table the spec schema uses too). Unknown keys are errors with a
// "did you mean" suggestion. Every error names the file and line.
Dataset read_dataset(const Config& table, const std::filesystem::path& base_dir = {});

// The sentence labels / word tags of a split, in order (for LabelSet and metrics).
// split_labels throws when an example has no label.
std::vector<std::string> split_labels(const std::vector<Example>& split);
std::vector<std::vector<std::string>> split_tags(const std::vector<Example>& split);

}  // namespace mtlab
