#include "fuzz_data.h"

#include "mtlab/core/config.h"
#include "mtlab/data/label_set.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/data/text_lines.h"

namespace mtlab::fuzz {

Dataset read_fuzz_dataset(const std::string& format, nlohmann::json options, const std::filesystem::path& train) {
  for (const char* key : {"format", "train", "dev", "test", "words_file", "tags_file", "label_file"}) {
    options.erase(key);
  }
  // A path the reader cannot find would fuzz only the option checks, never the reader.
  MTLAB_FUZZ_CHECK(train.is_absolute() && std::filesystem::exists(train));
  options["format"] = format;
  options["train"] = train.string();
  return read_dataset(Config(options, "fuzz [data]"), scratch_dir());
}

void check_dataset(const Dataset& dataset) {
  MTLAB_FUZZ_CHECK(!dataset.train.empty());
  for (const auto* split : {&dataset.train, &dataset.dev, &dataset.test}) {
    for (const auto& ex : *split) {
      MTLAB_FUZZ_CHECK(!ex.source.empty());
      MTLAB_FUZZ_CHECK(!trim(ex.text).empty() || !ex.words.empty());
      MTLAB_FUZZ_CHECK(find_invalid_utf8(ex.text) == std::string::npos);
      if (ex.label) MTLAB_FUZZ_CHECK(!ex.label->empty());
      if (!ex.tags.empty()) {
        MTLAB_FUZZ_CHECK(ex.tags.size() == ex.words.size());
        ParsedTag parsed;
        for (const auto& tag : ex.tags) MTLAB_FUZZ_CHECK(parse_tag(tag, parsed));
      }
      for (const auto& word : ex.words) MTLAB_FUZZ_CHECK(!word.empty());
    }
  }
  build_label_sets(dataset);
}

}  // namespace mtlab::fuzz
