#pragma once
// `format = "text"`: plain text, one text per line (unlabelled: masked-LM
// pretraining). Blank lines are skipped; each line is trimmed.
#include <filesystem>
#include <vector>

#include "mtlab/data/example.h"
#include "mtlab/data/text_lines.h"

namespace mtlab {

class Config;

struct TextOptions {
  TextEncoding encoding = TextEncoding::utf8;
};

// Keys: encoding.
TextOptions text_options(const Config& table);

std::vector<Example> read_text(const std::filesystem::path& file, const TextOptions& options);

}  // namespace mtlab
