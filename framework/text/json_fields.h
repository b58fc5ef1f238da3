#pragma once
// Typed reads of the Hugging Face tokenizer JSON files (tokenizer_config.json,
// special_tokens_map.json, tokenizer.json), each error naming the file, the
// key or JSON path, what was expected and what was found.
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mtlab::text {

// The file's JSON, which must be an object.
nlohmann::json read_json_object(const std::filesystem::path& file);
void write_json(const std::filesystem::path& file, const nlohmann::json& j);

[[noreturn]] void wrong_type(const std::filesystem::path& file, const std::string& key, std::string_view expected,
                             const nlohmann::json& got);

// A present, non-null value of `key`, or nullptr.
const nlohmann::json* find(const nlohmann::json& j, const std::string& key);
void read_bool(const nlohmann::json& j, const std::filesystem::path& file, const std::string& key, bool& out);

// A special token as written in the files: a string or, by newer Hugging Face
// versions, an AddedToken object {"content": ..., "lstrip": ..., ...}.
struct AddedTokenFields {
  std::string content;
  bool is_object = false;  // written as an AddedToken object
  bool lstrip = false, rstrip = false;
};
AddedTokenFields added_token_of(const nlohmann::json& v, const std::filesystem::path& file, const std::string& key);
inline std::string token_of(const nlohmann::json& v, const std::filesystem::path& file, const std::string& key) {
  return added_token_of(v, file, key).content;
}

// tokenizer_config.json's model_max_length: Hugging Face writes int(1e30) for
// "no limit", which JSON readers see as a float; that becomes INT64_MAX.
std::int64_t model_max_length_of(const nlohmann::json& v, const std::filesystem::path& file);

}  // namespace mtlab::text
