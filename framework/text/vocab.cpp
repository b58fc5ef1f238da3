#include "mtlab/text/vocab.h"

#include <fmt/format.h>

#include <fstream>

#include "mtlab/core/error.h"

namespace mtlab {

Vocab::Vocab(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  ids_.reserve(tokens_.size());
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    // Hugging Face keeps the last id of a repeated token; so do we.
    ids_[tokens_[i]] = static_cast<std::int64_t>(i);
  }
}

Vocab Vocab::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open vocabulary file", file.string()));
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    // Hugging Face strips the line ending only ("\n", and a "\r" before it).
    if (!line.empty() && line.back() == '\r') line.pop_back();
    tokens.push_back(line);
  }
  if (tokens.empty()) throw Error(fmt::format("{}: vocabulary file is empty", file.string()));
  return Vocab(std::move(tokens));
}

void Vocab::save(const std::filesystem::path& file) const {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot write vocabulary file", file.string()));
  for (const auto& t : tokens_) out << t << '\n';
  if (!out) throw Error(fmt::format("{}: writing the vocabulary failed", file.string()));
}

std::optional<std::int64_t> Vocab::find(std::string_view token) const {
  auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::int64_t Vocab::id(std::string_view token) const {
  auto found = find(token);
  if (!found) throw Error(fmt::format("token '{}' is not in the vocabulary", token));
  return *found;
}

const std::string& Vocab::token(std::int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= tokens_.size()) {
    throw Error(fmt::format("token id {} is outside the vocabulary (size {})", id, tokens_.size()));
  }
  return tokens_[static_cast<std::size_t>(id)];
}

}  // namespace mtlab
