#pragma once
#include <string>

namespace mtlab::storage {
// The SQLite library version linked at run time (for --version and run records).
std::string sqlite_library_version();
}  // namespace mtlab::storage
