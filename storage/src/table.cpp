#include "mtlab/storage/table.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "mtlab/storage/statement.h"

namespace mtlab::storage {

int Table::column(const std::string& name) const {
  const auto it = std::find(columns.begin(), columns.end(), name);
  return it == columns.end() ? -1 : static_cast<int>(it - columns.begin());
}

Table read_table(Statement& statement) {
  Table table;
  const int n = statement.column_count();
  for (int i = 0; i < n; ++i) table.columns.push_back(statement.column_name(i));
  while (statement.step()) {
    std::vector<Value> row;
    row.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      switch (statement.column_type(i)) {
        case ColumnType::integer: row.emplace_back(statement.get_int(i)); break;
        case ColumnType::real: row.emplace_back(statement.get_double(i)); break;
        case ColumnType::text: row.emplace_back(statement.get_text(i)); break;
        case ColumnType::blob: row.emplace_back(fmt::format("<blob {} bytes>", statement.blob_bytes(i))); break;
        case ColumnType::null: row.emplace_back(std::monostate{}); break;
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string to_text(const Value& value, const std::string& null_text) {
  if (std::holds_alternative<std::monostate>(value)) return null_text;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return fmt::format("{}", *i);
  if (const auto* d = std::get_if<double>(&value)) return fmt::format("{}", *d);
  return std::get<std::string>(value);
}

namespace {

std::string one_line(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

// Display width in code points (good enough for aligned output of UTF-8 text).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t w, bool right) {
  const auto n = width(s);
  if (n >= w) return s;
  return right ? std::string(w - n, ' ') + s : s + std::string(w - n, ' ');
}

std::string aligned(const Table& t) {
  const auto n = t.columns.size();
  std::vector<std::size_t> w(n);
  std::vector<bool> numeric(n, true);
  std::vector<std::vector<std::string>> cells;
  for (std::size_t c = 0; c < n; ++c) w[c] = width(t.columns[c]);
  for (const auto& row : t.rows) {
    std::vector<std::string> line;
    for (std::size_t c = 0; c < n; ++c) {
      line.push_back(one_line(to_text(row[c], "NULL")));
      w[c] = std::max(w[c], width(line.back()));
      if (std::holds_alternative<std::string>(row[c])) numeric[c] = false;
    }
    cells.push_back(std::move(line));
  }
  std::string out;
  // Numbers (and their headers) align right, text left.
  auto emit = [&](const std::vector<std::string>& line, bool rule) {
    std::string text;
    for (std::size_t c = 0; c < n; ++c) {
      if (c) text += "  ";
      text += pad(line[c], w[c], numeric[c] && !rule);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  emit(t.columns, false);
  std::vector<std::string> rule;
  for (std::size_t c = 0; c < n; ++c) rule.emplace_back(w[c], '-');
  emit(rule, true);
  for (const auto& line : cells) emit(line, false);
  out += fmt::format("({} row{})\n", t.rows.size(), t.rows.size() == 1 ? "" : "s");
  return out;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

std::string csv(const Table& t) {
  std::string out;
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (c) out += ',';
    out += csv_field(t.columns[c]);
  }
  out += "\r\n";
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      out += csv_field(to_text(row[c]));
    }
    out += "\r\n";
  }
  return out;
}

std::string json(const Table& t) {
  auto rows = nlohmann::ordered_json::array();
  for (const auto& row : t.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < row.size(); ++c) {
      const auto& v = row[c];
      auto& cell = object[t.columns[c]];
      if (const auto* i = std::get_if<std::int64_t>(&v)) cell = *i;
      else if (const auto* d = std::get_if<double>(&v)) cell = std::isfinite(*d) ? nlohmann::ordered_json(*d) : nullptr;
      else if (const auto* s = std::get_if<std::string>(&v)) cell = *s;
      else cell = nullptr;
    }
    rows.push_back(std::move(object));
  }
  return rows.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string format_table(const Table& table, TableFormat format) {
  switch (format) {
    case TableFormat::csv: return csv(table);
    case TableFormat::json: return json(table);
    case TableFormat::aligned: break;
  }
  return aligned(table);
}

}  // namespace mtlab::storage
