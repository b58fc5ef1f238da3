#pragma once
// ${NAME} references in spec path values, expanded from the environment.
#include <string>

namespace mtlab::spec {

// Replaces every ${NAME} with the environment variable's value. An unset
// variable is an error naming it and `where` (file:line:col of the value).
// "$$" is a literal "$".
std::string expand_env(const std::string& value, const std::string& where);

}  // namespace mtlab::spec
