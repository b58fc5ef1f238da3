#include "mtlab/data/delimited_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/options/data_formats.h"

namespace mtlab {

namespace {

// A column given as an integer or (with a header) a name.
std::string column_key(const Config& table, std::string_view key, std::string fallback) {
  if (!table.has(key)) return fallback;
  const auto& v = table.json().at(std::string(key));
  if (v.is_number_integer()) return std::to_string(data_int(table, key, 0));  // within the rule's range
  if (v.is_string() && !v.get<std::string>().empty()) return v.get<std::string>();
  throw Error(fmt::format("{}: key '{}': expected a column index (integer, negative from the end) or a column name, got {}",
                          table.location(key), key, v.dump()));
}

std::optional<std::int64_t> as_index(const std::string& s) {
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// Splits a csv line with "quoted, fields" and "" escapes.
std::vector<std::string> split_quoted(std::string_view line, char sep, const std::string& where) {
  std::vector<std::string> out;
  std::string field;
  bool in_quotes = false, was_quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      field.clear();
      in_quotes = was_quoted = true;
    } else if (c == sep) {
      out.push_back(was_quoted ? field : std::string(trim(field)));
      field.clear();
      was_quoted = false;
    } else if (!(was_quoted && (c == ' ' || c == '\t'))) {
      if (was_quoted) throw Error(fmt::format("{}: text after a closing quote, expected '{}'", where, sep));
      field += c;
    }
  }
  if (in_quotes) throw Error(fmt::format("{}: unterminated quote (quoted fields cannot span lines)", where));
  out.push_back(was_quoted ? field : std::string(trim(field)));
  return out;
}

std::vector<std::string> split_plain(std::string_view line, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = line.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(line.substr(start));
      return out;
    }
    out.emplace_back(line.substr(start, pos - start));
    start = pos + 1;
  }
}

// Exactly `n` fields: field `keep` absorbs the separators beyond n - 1.
std::optional<std::vector<std::string>> split_exact(std::string_view line, char sep, std::size_t n, std::size_t keep) {
  std::vector<std::string> head, tail;
  std::string_view rest = line;
  for (std::size_t i = 0; i < keep; ++i) {
    const std::size_t pos = rest.find(sep);
    if (pos == std::string_view::npos) return std::nullopt;
    head.emplace_back(rest.substr(0, pos));
    rest.remove_prefix(pos + 1);
  }
  for (std::size_t i = keep + 1; i < n; ++i) {
    const std::size_t pos = rest.rfind(sep);
    if (pos == std::string_view::npos) return std::nullopt;
    tail.emplace_back(rest.substr(pos + 1));
    rest.remove_suffix(rest.size() - pos);
  }
  head.emplace_back(rest);
  head.insert(head.end(), tail.rbegin(), tail.rend());
  return head;
}

}  // namespace

DelimitedOptions delimited_options(const Config& table, bool csv) {
  DelimitedOptions o;
  o.separator = csv ? ',' : '\t';
  o.quoted = csv;
  if (table.has("separator")) {
    std::string sep = table.get_string("separator");
    if (sep == "tab") sep = "\t";
    if (sep == "space") sep = " ";
    if (sep.size() != 1) {
      throw Error(fmt::format("{}: key 'separator': '{}' is not one character, expected e.g. \"\\t\", \",\", \" \", "
                              "\"tab\" or \"space\"", table.location("separator"), sep));
    }
    o.separator = sep[0];
  }
  o.header = table.get_bool("header", kDataDefaults.header);
  o.text_column = column_key(table, "text_column", o.text_column);
  o.label_column = column_key(table, "label_column", o.label_column);
  o.columns = data_int(table, "columns", o.columns);
  o.label_field = data_string(table, "label_field", o.label_field);
  o.label_delimiter = data_string(table, "label_delimiter", o.label_delimiter);
  if (o.label_delimiter.empty()) {
    throw Error(fmt::format("{}: key 'label_delimiter': expected a non-empty string", table.location("label_delimiter")));
  }
  o.encoding = parse_text_encoding(data_string(table, "encoding", kDataDefaults.encoding), table.location("encoding"));
  if (o.quoted && o.columns > 0) {
    throw Error(fmt::format("{}: key 'columns' does not combine with csv quoting; quote the text field instead",
                            table.location("columns")));
  }
  return o;
}

std::vector<Example> read_delimited(const std::filesystem::path& file, const DelimitedOptions& options) {
  const auto lines = read_text_lines(file, options.encoding);
  std::vector<std::string> header;
  std::size_t expected = options.columns > 0 ? static_cast<std::size_t>(options.columns) : 0;
  std::size_t expected_line = 0;
  std::size_t text_col = 0, label_col = 0;
  bool resolved = false;

  // Resolves a column spec once the column count (and header) is known.
  const auto resolve = [&](const std::string& spec, const char* key, std::size_t count, const std::string& where) {
    if (const auto index = as_index(spec)) {
      const std::int64_t n = static_cast<std::int64_t>(count);
      const std::int64_t idx = *index < 0 ? n + *index : *index;
      if (idx < 0 || idx >= n) {
        throw Error(fmt::format("{}: {} {} does not exist in a line of {} columns", where, key, *index, count));
      }
      return static_cast<std::size_t>(idx);
    }
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == spec) return i;
    }
    if (header.empty()) {
      throw Error(fmt::format("{}: {} '{}' is a name but the file has no header (set header = true or give an index)",
                              where, key, spec));
    }
    throw Error(fmt::format("{}: {} '{}' is not a column of the header ({})", where, key, spec, fmt::join(header, ", ")));
  };

  std::vector<Example> out;
  for (const auto& line : lines) {
    const std::string where = source_of(file, line.number);
    if (trim(line.text).empty()) continue;  // blank lines (e.g. at the end) carry nothing
    if (options.header && header.empty() && expected_line == 0) {
      header = options.quoted ? split_quoted(line.text, options.separator, where) : split_plain(line.text, options.separator);
      for (auto& h : header) h = std::string(trim(h));
      if (expected == 0) expected = header.size();
      expected_line = line.number;
      continue;
    }
    std::vector<std::string> fields;
    if (options.quoted) {
      fields = split_quoted(line.text, options.separator, where);
    } else if (options.columns > 0) {
      if (!resolved) {
        text_col = resolve(options.text_column, "text_column", expected, where);
        label_col = resolve(options.label_column, "label_column", expected, where);
        resolved = true;
      }
      auto exact = split_exact(line.text, options.separator, expected, text_col);
      if (!exact) {
        throw Error(fmt::format("{}: {} columns, expected {} (columns = {})", where,
                                split_plain(line.text, options.separator).size(), expected, expected));
      }
      fields = std::move(*exact);
    } else {
      fields = split_plain(line.text, options.separator);
    }
    if (expected == 0) {
      expected = fields.size();
      expected_line = line.number;
    } else if (fields.size() != expected) {
      throw Error(fmt::format("{}: {} columns, expected {}{}", where, fields.size(), expected,
                              expected_line ? fmt::format(" as on line {}", expected_line) : std::string()));
    }
    if (!resolved) {
      text_col = resolve(options.text_column, "text_column", expected, where);
      label_col = resolve(options.label_column, "label_column", expected, where);
      resolved = true;
    }
    if (text_col == label_col) {
      throw Error(fmt::format("{}: text_column and label_column are the same column ({})", where, text_col));
    }
    Example ex;
    ex.source = where;
    ex.text = std::string(trim(fields[text_col]));
    if (ex.text.empty()) throw Error(fmt::format("{}: empty text in column {}", where, text_col + 1));
    std::string label(trim(fields[label_col]));
    if (label.empty()) throw Error(fmt::format("{}: empty label in column {}", where, label_col + 1));
    if (options.label_field == "coarse") {
      const std::size_t pos = label.find(options.label_delimiter);
      if (pos == std::string::npos || pos == 0) {
        throw Error(fmt::format("{}: label '{}' has no '{}', expected COARSE{}fine (label_field = \"coarse\")", where,
                                label, options.label_delimiter, options.label_delimiter));
      }
      label.resize(pos);
    }
    ex.label = std::move(label);
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace mtlab
