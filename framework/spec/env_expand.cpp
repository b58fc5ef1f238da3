#include "mtlab/spec/env_expand.h"

#include <fmt/format.h>

#include <cstdlib>

#include "mtlab/core/error.h"

namespace mtlab::spec {

std::string expand_env(const std::string& value, const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$') {
      out += value[i];
      continue;
    }
    if (i + 1 < value.size() && value[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (i + 1 < value.size() && value[i + 1] == '{') {
      const auto close = value.find('}', i + 2);
      if (close == std::string::npos) {
        throw Error(fmt::format("{}: unterminated '${{' in \"{}\"", where, value));
      }
      const std::string name = value.substr(i + 2, close - i - 2);
      const char* env = std::getenv(name.c_str());
      if (env == nullptr) {
        throw Error(fmt::format("{}: environment variable {} is not set (used in \"{}\"); set it or override the "
                                "value with --set",
                                where, name, value));
      }
      out += env;
      i = close;
      continue;
    }
    out += '$';
  }
  return out;
}

}  // namespace mtlab::spec
