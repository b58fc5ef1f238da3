#include "text/bpe_files.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "mtlab/core/error.h"
#include "text/json_fields.h"

namespace mtlab::text {

namespace fs = std::filesystem;
using nlohmann::json;

Vocab vocab_of_json(const json& map, const std::string& where) {
  if (!map.is_object()) throw Error(fmt::format("{}: expected an object of token -> id, got {}", where, map.type_name()));
  std::vector<std::string> tokens(map.size());
  std::vector<bool> seen(map.size(), false);
  for (const auto& [token, id] : map.items()) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0 ||
        id.get<std::uint64_t>() >= static_cast<std::uint64_t>(map.size())) {
      throw Error(fmt::format("{}: the id of '{}' must be an integer in 0..{} (ids 0..N-1 for N tokens), got {}", where,
                              token, map.size() - 1, id.dump()));
    }
    const auto i = id.get<std::size_t>();
    if (seen[i]) throw Error(fmt::format("{}: id {} is given to two tokens ('{}' and '{}')", where, i, tokens[i], token));
    seen[i] = true;
    tokens[i] = token;
  }
  if (tokens.empty()) throw Error(fmt::format("{}: the vocabulary is empty", where));
  return Vocab(std::move(tokens));
}

Vocab read_vocab_json(const fs::path& file) { return vocab_of_json(read_json_object(file), file.string()); }

std::vector<BpeModel::Merge> read_merges_txt(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open", file.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<BpeModel::Merge> merges;
  std::size_t line_no = 1, at = text.find('\n');  // line 1 is the header
  while (at != std::string::npos) {
    const std::size_t end = text.find('\n', at + 1);
    if (end == std::string::npos) break;  // HF's split("\n")[1:-1] drops the rest
    ++line_no;
    std::istringstream line(text.substr(at + 1, end - at - 1));
    std::vector<std::string> parts;
    for (std::string part; line >> part;) parts.push_back(part);
    if (parts.size() == 2) {
      merges.emplace_back(std::move(parts[0]), std::move(parts[1]));
    } else if (!parts.empty()) {
      throw Error(fmt::format("{}:{}: expected two symbols separated by a space, got {}", file.string(), line_no,
                              parts.size()));
    }
    at = end;
  }
  return merges;
}

void write_vocab_json(const fs::path& file, const Vocab& vocab) {
  json map = json::object();  // std::map: keys sorted by UTF-8 bytes = by code point, as Python's sort_keys
  for (std::size_t i = 0; i < vocab.size(); ++i) map[vocab.tokens()[i]] = i;
  write_json(file, map);
}

void write_merges_txt(const fs::path& file, const std::vector<BpeModel::Merge>& merges) {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot write", file.string()));
  out << "#version: 0.2\n";
  for (const auto& [first, second] : merges) out << first << ' ' << second << '\n';
  if (!out) throw Error(fmt::format("{}: writing failed", file.string()));
}

}  // namespace mtlab::text
