#pragma once
// The schema version this build writes, and the ordered migrations that bring
// an older database up to it. Versions live in the `schema_version` table (one
// row per applied migration); the current version is its largest.
#include <string>
#include <vector>

namespace mtlab::storage {

class Database;

struct Migration {
  int version;          // the version the database has after this step
  std::string summary;  // recorded in schema_version.description
  std::string sql;      // DDL only
  // SQLite only, before `sql`: a change its DDL cannot say (widening a CHECK).
  void (*sqlite_step)(const Database&) = nullptr;
};

// Every migration, in order; migrations()[i].version == i + 1.
const std::vector<Migration>& migrations();
int current_schema_version();

// 0 for an empty database; throws when the file holds tables but no
// schema_version (not an mtlab database).
int schema_version(const Database& db);

// Applies the missing migrations in one write transaction. Refuses a database
// written by a newer mtlab (a schema it does not know) with a clear error.
void migrate(const Database& db);

// Read-only users (runs, compare, export, the views) work on any version from
// oldest_readable_schema_version() (the views and columns they use exist) up to
// the current one; older needs a migration, newer is refused.
int oldest_readable_schema_version();
void require_readable_schema(const Database& db);

}  // namespace mtlab::storage
