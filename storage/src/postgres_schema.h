#pragma once
// PostgreSQL's DDL for each schema version: postgres_migration_sql()[i] brings
// a database to migrations()[i].version (schema.h), whose summary it shares.
#include <string>
#include <vector>

namespace mtlab::storage {

const std::vector<std::string>& postgres_migration_sql();

}  // namespace mtlab::storage
