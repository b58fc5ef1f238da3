#pragma once
// sentence-transformers folders (SentenceTransformer.save()): modules.json lists
// the pipeline; the Transformer module's folder is a Hugging Face checkpoint,
// 1_Pooling/config.json says how token states become one vector, and a
// Normalize module (found by its type; git keeps no empty folders) makes it unit length.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace mtlab::io {

// Pooling modes as sentence-transformers names them. When several are on, the
// results are concatenated in this order: cls, max, mean, mean_sqrt_len, weightedmean, lasttoken.
struct PoolingModes {
  bool cls = false;
  bool max = false;
  bool mean = false;
  bool mean_sqrt_len = false;
  bool weightedmean = false;
  bool lasttoken = false;
  std::string describe() const;  // "mean", "cls+max", …
};

struct SentenceTransformerInfo {
  std::filesystem::path transformer_folder;  // the Hugging Face checkpoint inside
  PoolingModes pooling;
  bool normalize = false;
  std::optional<std::int64_t> max_seq_length;  // sentence_bert_config.json
  bool do_lower_case = false;                  // ST's own str.lower() before tokenizing
};

// True when the folder has a modules.json.
bool is_sentence_transformer_folder(const std::filesystem::path& folder);

// Reads modules.json, the pooling config and sentence_bert_config.json; throws
// mtlab::Error naming the file and field on anything it cannot honour (an
// unknown module type, a Pooling module without its config).
SentenceTransformerInfo read_sentence_transformer_folder(const std::filesystem::path& folder);

}  // namespace mtlab::io
