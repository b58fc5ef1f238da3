// open_store(): which backend a location names.
#include <fmt/format.h>

#include "mtlab/core/error.h"
#include "mtlab/storage/results_store.h"
#include "postgres_url.h"
#include "sql_store.h"

namespace mtlab::storage {
namespace {

constexpr std::string_view kForms =
    "a SQLite file path, sqlite:PATH, sqlite:///PATH, or postgresql://user@host:port/db (also postgres://, and "
    "?host=/socket/folder)";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

OpenOptions options_for(StoreMode mode) {
  OpenOptions options;
  options.mode = mode == StoreMode::read_write ? OpenMode::read_write : OpenMode::read_only;
  options.check_schema = false;  // read-only: SqlStore checks on its first typed read; query() reads any version
  return options;
}

}  // namespace

std::optional<std::filesystem::path> store_file(std::string_view location) {
  if (is_postgres_url(location)) return std::nullopt;
  if (starts_with(location, "sqlite:///")) return std::filesystem::path(location.substr(10));
  if (starts_with(location, "sqlite:")) return std::filesystem::path(location.substr(7));
  if (location.find("://") != std::string_view::npos) return std::nullopt;
  return std::filesystem::path(location);
}

std::unique_ptr<ResultsStore> open_store(std::string_view location, StoreMode mode) {
  if (location.empty()) throw Error(fmt::format("results store: no location given (expected {})", kForms));
  if (is_postgres_url(location)) {
    return std::make_unique<SqlStore>(Database::open_postgres(std::string(location), options_for(mode)), mode);
  }
  if (!starts_with(location, "sqlite:")) {
    if (const auto scheme = location.find("://"); scheme != std::string_view::npos) {
      throw Error(fmt::format("results store '{}': unknown kind of store '{}' (expected {})", location,
                              location.substr(0, scheme), kForms));
    }
  }
  const auto path = store_file(location);
  if (!path || path->empty()) {
    throw Error(fmt::format("results store '{}': no file path after the scheme (expected {})", location, kForms));
  }
  return std::make_unique<SqlStore>(Database::open(*path, options_for(mode)), mode);
}

}  // namespace mtlab::storage
