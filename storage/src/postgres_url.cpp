#include "postgres_url.h"

#include <fmt/format.h>

#include <string>

#include "mtlab/core/error.h"

namespace mtlab::storage {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

constexpr std::string_view kUsePgpass =
    "give the password in the PGPASSWORD environment variable or in ~/.pgpass instead, so that it is never "
    "recorded in the results or printed";

}  // namespace

bool is_postgres_url(std::string_view location) {
  return starts_with(location, "postgresql://") || starts_with(location, "postgres://");
}

void require_no_password(std::string_view url) {
  const auto authority_start = url.find("://") + 3;
  const auto authority_end = url.find_first_of("/?", authority_start);
  const auto authority = url.substr(authority_start, authority_end == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : authority_end - authority_start);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) {
    // Name the URL with the password cut out: it must not reach a log either.
    const auto user = authority.substr(0, authority.substr(0, at).find(':'));
    const std::string shown = std::string(url.substr(0, authority_start)) + std::string(user) + ":…" +
                              std::string(url.substr(authority_start + at));
    throw Error(fmt::format("results store '{}': the URL contains a password; {}", shown, kUsePgpass));
  }
  if (authority_end != std::string_view::npos) {
    const auto query = url.find('?', authority_start);
    if (query != std::string_view::npos) {
      const std::string params = "&" + std::string(url.substr(query + 1));
      if (params.find("&password=") != std::string::npos) {
        throw Error(fmt::format("results store '{}': the URL contains a password parameter; {}",
                                std::string(url.substr(0, query)) + "?…", kUsePgpass));
      }
    }
  }
}

}  // namespace mtlab::storage
