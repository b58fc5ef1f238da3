#pragma once
// The few SQL spellings that differ between SQLite and PostgreSQL, written
// once: every query in storage/src is one text for both, built with these.
// Times are ISO-8601 UTC text in both (so every reader sees the same values);
// durations come from the text.
#include <string>
#include <string_view>

#include "mtlab/storage/database.h"

namespace mtlab::storage::sql {

// Seconds from the time `earlier` to the time `later` (both ISO text expressions), a REAL.
std::string seconds_between(const Database& db, std::string_view later, std::string_view earlier);
// Seconds from the time `earlier` to now.
std::string seconds_since(const Database& db, std::string_view earlier);
// A newline character as an SQL expression.
std::string newline(const Database& db);
// The statement that opens a write transaction.
std::string begin_write(const Database& db);
// Appended to a SELECT of one row inside a write transaction: locks that row
// until the transaction ends (SQLite's BEGIN IMMEDIATE already holds the one write lock).
std::string lock_rows(const Database& db);

}  // namespace mtlab::storage::sql
