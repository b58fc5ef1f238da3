#pragma once
// The PostgreSQL locations mtlab takes: libpq's URI, `postgresql://` or
// `postgres://` (user@host:port/db, or ?host=/socket/folder for a unix socket).
// A password is never part of one: libpq reads PGPASSWORD and ~/.pgpass itself,
// so the URL can be recorded in a run's config and printed in messages as written.
#include <string_view>

namespace mtlab::storage {

bool is_postgres_url(std::string_view location);
// Throws (naming the URL without its password) when `url` carries a password.
void require_no_password(std::string_view url);

}  // namespace mtlab::storage
