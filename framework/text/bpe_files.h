#pragma once
// The byte-level BPE model files: vocab.json (token -> id) and merges.txt
// (one "first second" pair per line, by rank), read and written as Hugging
// Face's GPT2Tokenizer/RobertaTokenizer do.
#include <filesystem>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtlab/text/vocab.h"
#include "text/bpe.h"

namespace mtlab::text {

// Ids must be 0..N-1, each once; errors name `where` (a file, or a file and JSON path).
Vocab vocab_of_json(const nlohmann::json& map, const std::string& where);
Vocab read_vocab_json(const std::filesystem::path& file);
// As HF's slow tokenizer: the first line (the "#version" header) and whatever
// follows the last newline are skipped; each line is split on whitespace.
std::vector<BpeModel::Merge> read_merges_txt(const std::filesystem::path& file);

// json.dumps(vocab, indent=2, sort_keys=True, ensure_ascii=False) + "\n".
void write_vocab_json(const std::filesystem::path& file, const Vocab& vocab);
// "#version: 0.2" and one "first second" line per merge.
void write_merges_txt(const std::filesystem::path& file, const std::vector<BpeModel::Merge>& merges);

}  // namespace mtlab::text
