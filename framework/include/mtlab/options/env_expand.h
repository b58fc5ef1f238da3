#pragma once
// ${NAME} references in path values, expanded from the environment. One function
// for the spec's paths and the data readers' paths alike.
#include <filesystem>
#include <string>

namespace mtlab {

// Replaces every ${NAME} with the environment variable's value; "$$" is a literal
// "$" and any other "$" is kept. An unset variable or an unterminated "${" is an
// Error naming the value, prefixed with "`where`: " unless `where` is empty.
std::string expand_env(const std::string& value, const std::string& where = "");

// A path value: expand_env, then a relative result resolves against `base` (left
// relative when `base` is empty) — except when the value starts with ${NAME}: a
// relative variable means what the shell that set it meant, the current folder
// (MTLAB_DATA=../shared/data mtlab run experiments/x.toml).
std::filesystem::path resolve_env_path(const std::string& value, const std::filesystem::path& base,
                                       const std::string& where = "");

}  // namespace mtlab
