#pragma once
// A folder's tokenizer_config.json and then special_tokens_map.json (each when
// present) applied to a family's options, as from_pretrained does; the
// tokenizer.json reader applies them over what that file says.
#include <filesystem>

#include "mtlab/text/bert_tokenizer.h"
#include "mtlab/text/roberta_tokenizer.h"

namespace mtlab::text {

void apply_config_files(const std::filesystem::path& folder, TokenizerOptions& options);
void apply_config_files(const std::filesystem::path& folder, RobertaOptions& options);

}  // namespace mtlab::text
