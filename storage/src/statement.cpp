#include "mtlab/storage/statement.h"

#include <cmath>
#include <utility>

#include "connection.h"

namespace mtlab::storage {

Statement::Statement(std::unique_ptr<StatementBackend> backend, std::string purpose)
    : backend_(std::move(backend)), purpose_(std::move(purpose)) {}
Statement::Statement(Statement&& other) noexcept = default;
Statement& Statement::operator=(Statement&& other) noexcept = default;
Statement::~Statement() = default;

Statement& Statement::bind(int index, std::int64_t value) {
  backend_->bind_int(index, value);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (std::isnan(value)) return bind(index, nullptr);
  backend_->bind_double(index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  // A null data pointer would bind NULL in SQLite; an empty view is the empty string.
  backend_->bind_text(index, value.data() ? value : std::string_view(""));
  return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
  backend_->bind_null(index);
  return *this;
}

bool Statement::step() { return backend_->step(); }

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() { backend_->reset(); }

int Statement::column_count() const { return backend_->column_count(); }
std::string Statement::column_name(int column) const { return backend_->column_name(column); }
ColumnType Statement::column_type(int column) const { return backend_->column_type(column); }
bool Statement::is_null(int column) const { return column_type(column) == ColumnType::null; }
std::int64_t Statement::get_int(int column) const { return backend_->get_int(column); }
double Statement::get_double(int column) const { return backend_->get_double(column); }
std::string Statement::get_text(int column) const { return is_null(column) ? std::string() : backend_->get_text(column); }
std::size_t Statement::blob_bytes(int column) const { return backend_->blob_bytes(column); }
std::optional<std::int64_t> Statement::get_optional_int(int column) const {
  if (is_null(column)) return std::nullopt;
  return get_int(column);
}
std::optional<double> Statement::get_optional_double(int column) const {
  if (is_null(column)) return std::nullopt;
  return get_double(column);
}
std::optional<std::string> Statement::get_optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return get_text(column);
}

}  // namespace mtlab::storage
