#pragma once
// Sentences for encode, tokenize and predict: from arguments, --input FILE
// (one per line, or .jsonl objects with "text" and optional "text_pair"), or stdin.
#include <optional>
#include <string>
#include <vector>

namespace mtlab::cli {

struct TextInput {
  std::string text;
  std::optional<std::string> pair;
  std::string source;  // "file:line", "<stdin>:line" or "argument N", for errors
};

// Texts as arguments or a file ("-" or none: stdin), not both. A terminal on
// stdin with no input given is an error that says how to give input.
std::vector<TextInput> read_text_inputs(const std::vector<std::string>& texts, const std::string& input_file);

}  // namespace mtlab::cli
