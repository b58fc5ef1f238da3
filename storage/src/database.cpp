#include "mtlab/storage/database.h"

#include <utility>

#include "connection.h"
#include "mtlab/storage/schema.h"
#include "mtlab/storage/statement.h"

namespace mtlab::storage {
namespace {

// Read-write: migrate; read-only: check the version unless told not to.
Database with_schema(Database db, const OpenOptions& options) {
  if (options.mode == OpenMode::read_write) {
    migrate(db);
  } else if (options.check_schema) {
    require_readable_schema(db);
  }
  return db;
}

}  // namespace

Database::Database(std::unique_ptr<Connection> impl) : impl_(std::move(impl)) {}
Database::Database(Database&& other) noexcept = default;
Database& Database::operator=(Database&& other) noexcept = default;
Database::~Database() = default;

Database Database::open(const std::filesystem::path& path, const OpenOptions& options) {
  return with_schema(Database(open_sqlite_connection(path, options)), options);
}

Database Database::open_read_only(const std::filesystem::path& path, bool check_schema) {
  OpenOptions options;
  options.mode = OpenMode::read_only;
  options.check_schema = check_schema;
  return open(path, options);
}

Database Database::open_postgres(const std::string& url, const OpenOptions& options) {
  return with_schema(Database(open_postgres_connection(url, options)), options);
}

Dialect Database::dialect() const { return impl_->dialect(); }
const std::string& Database::location() const { return impl_->location(); }
bool Database::read_only() const { return impl_->read_only(); }
sqlite3* Database::handle() const { return sqlite_handle(*impl_); }

Statement Database::prepare(std::string_view sql, std::string_view purpose) const {
  return Statement(impl_->prepare(sql, purpose), std::string(purpose));
}

void Database::execute(std::string_view sql, std::string_view purpose) const { impl_->execute(sql, purpose); }

std::int64_t Database::changes() const { return impl_->changes(); }

}  // namespace mtlab::storage
