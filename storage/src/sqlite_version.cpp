#include "mtlab/storage/sqlite_version.h"

#include <sqlite3.h>

namespace mtlab::storage {
std::string sqlite_library_version() { return sqlite3_libversion(); }
}  // namespace mtlab::storage
