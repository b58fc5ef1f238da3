#include "mtlab/options/env_expand.h"

#include <fmt/format.h>

#include <cstdlib>

#include "mtlab/core/error.h"

namespace mtlab {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw Error(where.empty() ? message : where + ": " + message);
}

}  // namespace

std::string expand_env(const std::string& value, const std::string& where) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char next = i + 1 < value.size() ? value[i + 1] : '\0';
    if (value[i] != '$') {
      out += value[i];
    } else if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '{') {
      const auto close = value.find('}', i + 2);
      if (close == std::string::npos) fail(where, fmt::format("unterminated '${{' in \"{}\"", value));
      const std::string name = value.substr(i + 2, close - i - 2);
      const char* env = std::getenv(name.c_str());
      if (env == nullptr) {
        fail(where, fmt::format("environment variable {} is not set (used in \"{}\"); set it or override the value "
                                "with --set",
                                name, value));
      }
      out += env;
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

std::filesystem::path resolve_env_path(const std::string& value, const std::filesystem::path& base,
                                       const std::string& where) {
  std::filesystem::path p = expand_env(value, where);
  if (p.is_relative()) {
    if (value.rfind("${", 0) == 0) {
      p = std::filesystem::current_path() / p;
    } else if (!base.empty()) {
      p = base / p;
    }
  }
  return p;
}

}  // namespace mtlab
