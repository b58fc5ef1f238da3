#pragma once
// The tokenizer of a Hugging Face model or tokenizer folder, whatever family
// it is: what backbone plugins and tools call instead of naming a class.
#include <filesystem>
#include <memory>

#include "mtlab/text/tokenizer.h"

namespace mtlab {

// Picks the family by config.json's model_type (bert, distilbert, electra →
// WordPiece; roberta → byte-level BPE), else tokenizer_config.json's
// tokenizer_class, else by the files present. Reads the slow tokenizer's files
// (vocab.txt, or vocab.json + merges.txt) when the folder has them, otherwise
// tokenizer.json. Throws mtlab::Error naming the file and what is supported.
std::shared_ptr<const Tokenizer> load_tokenizer_folder(const std::filesystem::path& folder);

// A folder's tokenizer.json (Hugging Face's "fast" tokenizer file), with its
// tokenizer_config.json and special_tokens_map.json applied over it when
// present. Reads WordPiece models (BertNormalizer, BertPreTokenizer, BERT's
// template) as a BertTokenizer and byte-level BPE models (ByteLevel,
// RobertaProcessing) as a RobertaTokenizer; anything else is an error naming
// the JSON path and the supported values.
std::shared_ptr<const Tokenizer> load_tokenizer_json(const std::filesystem::path& folder);

}  // namespace mtlab
