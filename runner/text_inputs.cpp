#include "text_inputs.h"

#include <fmt/core.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "mtlab/core/error.h"

namespace mtlab::cli {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// One text per line (a CR before the LF is dropped); empty lines are inputs too.
std::vector<TextInput> read_lines(std::istream& in, const std::string& name) {
  std::vector<TextInput> inputs;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    inputs.push_back({line, std::nullopt, fmt::format("{}:{}", name, number)});
  }
  return inputs;
}

// {"text": ..., "text_pair": ...} per line; blank lines are skipped.
std::vector<TextInput> read_jsonl(std::istream& in, const std::string& name) {
  std::vector<TextInput> inputs;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", name, number);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw Error(fmt::format("{}: not valid JSON: {}", where, e.what()));
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      throw Error(fmt::format("{}: expected an object with a string \"text\" (and optionally \"text_pair\"), got {}",
                              where, j.dump()));
    }
    TextInput input{j["text"].get<std::string>(), std::nullopt, where};
    if (j.contains("text_pair") && !j["text_pair"].is_null()) {
      if (!j["text_pair"].is_string()) {
        throw Error(fmt::format("{}: \"text_pair\" must be a string or null, got {}", where, j["text_pair"].dump()));
      }
      input.pair = j["text_pair"].get<std::string>();
    }
    inputs.push_back(std::move(input));
  }
  return inputs;
}

}  // namespace

std::vector<TextInput> read_text_inputs(const std::vector<std::string>& texts, const std::string& input_file) {
  if (!texts.empty() && !input_file.empty()) throw Error("give texts as arguments or --input FILE, not both");
  if (!texts.empty()) {
    std::vector<TextInput> inputs;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      inputs.push_back({texts[i], std::nullopt, fmt::format("argument {}", i + 1)});
    }
    return inputs;
  }
  if (!input_file.empty() && input_file != "-") {
    std::ifstream in(input_file, std::ios::binary);
    if (!in) throw Error(fmt::format("{}: cannot open input file", input_file));
    return ends_with(input_file, ".jsonl") ? read_jsonl(in, input_file) : read_lines(in, input_file);
  }
  if (input_file.empty() && isatty(STDIN_FILENO)) {
    throw Error("no input: give texts as arguments, --input FILE (.txt or .jsonl), or pipe text on stdin");
  }
  return read_lines(std::cin, "<stdin>");
}

}  // namespace mtlab::cli
