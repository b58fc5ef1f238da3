#pragma once
// ${NAME} references in path values, expanded from the environment. One function
// for the spec's paths and the data readers' paths alike.
#include <string>

namespace mtlab {

// Replaces every ${NAME} with the environment variable's value; "$$" is a literal
// "$" and any other "$" is kept. An unset variable or an unterminated "${" is an
// Error naming the value, prefixed with "`where`: " unless `where` is empty.
std::string expand_env(const std::string& value, const std::string& where = "");

}  // namespace mtlab
