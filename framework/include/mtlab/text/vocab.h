#pragma once
// A WordPiece vocabulary: vocab.txt, one token per line, id = line number.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mtlab {

class Vocab {
 public:
  Vocab() = default;
  explicit Vocab(std::vector<std::string> tokens);
  // Throws mtlab::Error naming the file (and line) when it cannot be read or a token repeats.
  static Vocab load(const std::filesystem::path& file);
  void save(const std::filesystem::path& file) const;

  std::size_t size() const { return tokens_.size(); }
  std::optional<std::int64_t> find(std::string_view token) const;
  std::int64_t id(std::string_view token) const;  // throws when absent
  const std::string& token(std::int64_t id) const;
  const std::vector<std::string>& tokens() const { return tokens_; }

 private:
  // Transparent hashing lets find() look up a string_view without a copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> ids_;
};

}  // namespace mtlab
