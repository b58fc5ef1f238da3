#pragma once
// A prepared statement (RAII). Values go in only through bind(); reads go out
// through typed getters. Indices: bind() is 1-based (?1, ?2, … in the SQL),
// columns are 0-based. The same on every backend (connection.h).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mtlab::storage {

class StatementBackend;

// The type of a value read back; PostgreSQL's types map onto SQLite's five
// (integers and booleans → integer, float/numeric → real, bytea → blob, the rest → text).
enum class ColumnType { null, integer, real, text, blob };

class Statement {
 public:
  Statement(std::unique_ptr<StatementBackend> backend, std::string purpose);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);  // NaN is stored as NULL (SQLite has no NaN)
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, std::nullptr_t);
  template <class T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind(index, nullptr);
  }
  // Binds all arguments to ?1, ?2, ...
  template <class... Args>
  Statement& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // Advances; true when a row is available. Throws on any error.
  bool step();
  // Steps to completion (INSERT/UPDATE/DELETE), then resets for reuse.
  void run();
  // Resets for reuse and clears bindings.
  void reset();

  int column_count() const;
  std::string column_name(int column) const;
  ColumnType column_type(int column) const;
  bool is_null(int column) const;
  std::int64_t get_int(int column) const;
  double get_double(int column) const;
  std::string get_text(int column) const;  // NULL → ""
  std::size_t blob_bytes(int column) const;
  std::optional<std::int64_t> get_optional_int(int column) const;
  std::optional<double> get_optional_double(int column) const;
  std::optional<std::string> get_optional_text(int column) const;

  const std::string& purpose() const { return purpose_; }

 private:
  std::unique_ptr<StatementBackend> backend_;
  std::string purpose_;
};

}  // namespace mtlab::storage
