#pragma once
// A result set held in memory (column names and typed cells), and the three
// ways the CLI prints one: an aligned table, CSV (RFC 4180) and JSON (an array
// of objects, numbers as numbers, NULL as null).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mtlab::storage {

class Statement;

// NULL, INTEGER, REAL or TEXT (a BLOB is shown as text "<blob N bytes>").
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;

  // Index of a column by name; -1 when absent.
  int column(const std::string& name) const;
};

// Steps `statement` to the end, collecting every row.
Table read_table(Statement& statement);

// Cell text: NULL → "" (or `null_text`), reals in shortest round-trip form.
std::string to_text(const Value& value, const std::string& null_text = "");

enum class TableFormat { aligned, csv, json };

// aligned: header, rule, one line per row; numbers right-aligned; newlines
// and tabs in text shown as \n and \t so each row stays one line.
std::string format_table(const Table& table, TableFormat format);

}  // namespace mtlab::storage
