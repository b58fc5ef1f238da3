// open_store(): which backend a location names.
#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/storage/results_store.h"
#include "sqlite_store.h"

namespace mtlab::storage {
namespace {

constexpr std::string_view kForms = "a SQLite file path, sqlite:PATH or sqlite:///PATH";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::unique_ptr<ResultsStore> open_store(std::string_view location, StoreMode mode) {
  if (location.empty()) throw Error(fmt::format("results store: no location given (expected {})", kForms));
  if (starts_with(location, "postgresql://") || starts_with(location, "postgres://")) {
    throw Error(fmt::format("results store '{}': PostgreSQL is not supported yet (expected {})", location, kForms));
  }
  std::string_view path = location;
  if (starts_with(location, "sqlite:///")) {
    path = location.substr(10);
  } else if (starts_with(location, "sqlite:")) {
    path = location.substr(7);
  } else if (const auto scheme = location.find("://"); scheme != std::string_view::npos) {
    throw Error(fmt::format("results store '{}': unknown kind of store '{}' (expected {})", location,
                            location.substr(0, scheme), kForms));
  }
  if (path.empty()) {
    throw Error(fmt::format("results store '{}': no file path after the scheme (expected {})", location, kForms));
  }
  return std::make_unique<SqliteStore>(std::filesystem::path(path), mode);
}

}  // namespace mtlab::storage
