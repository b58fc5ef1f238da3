#pragma once
// `mtlab query`: exactly one read-only SQL statement. Writes are refused with a
// clear message before anything runs (and the connection itself is read-only,
// so nothing can slip through); a second statement after ';' is refused too.
#include <string_view>

#include "mtlab/storage/table.h"

namespace mtlab::storage {

class Database;

Table run_read_only_query(const Database& db, std::string_view sql);

}  // namespace mtlab::storage
