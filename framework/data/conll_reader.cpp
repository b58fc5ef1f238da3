#include "mtlab/data/conll_reader.h"

#include <fmt/format.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/options/data_formats.h"

namespace mtlab {

ConllOptions conll_options(const Config& table) {
  ConllOptions o;
  o.word_column = data_int(table, "word_column", o.word_column);
  o.tag_column = data_int(table, "tag_column", o.tag_column);
  o.separator = table.get_string("separator", "");
  if (o.separator == "tab") o.separator = "\t";
  if (o.separator == "space") o.separator = " ";
  if (o.separator.size() > 1) {
    throw Error(fmt::format("{}: key 'separator': '{}' is not one character, expected \"\" (runs of whitespace), "
                            "\"tab\", \"space\" or one character", table.location("separator"), o.separator));
  }
  o.scheme = parse_tag_scheme(data_string(table, "scheme", kDataDefaults.scheme), table.location("scheme"));
  o.encoding = parse_text_encoding(data_string(table, "encoding", kDataDefaults.encoding), table.location("encoding"));
  return o;
}

namespace {

std::vector<std::string> split_columns(std::string_view line, const std::string& separator) {
  if (separator.empty()) return split_whitespace(line);
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = line.find(separator[0], start);
    out.emplace_back(trim(line.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

// A column index (negative from the end) resolved against `count` columns.
std::size_t resolve_column(std::int64_t column, std::size_t count, const char* name, const std::string& where) {
  const std::int64_t n = static_cast<std::int64_t>(count);
  const std::int64_t idx = column < 0 ? n + column : column;
  if (idx < 0 || idx >= n) {
    throw Error(fmt::format("{}: {} {} does not exist in a line of {} columns", where, name, column, count));
  }
  return static_cast<std::size_t>(idx);
}

}  // namespace

std::vector<Example> read_conll(const std::filesystem::path& file, const ConllOptions& options) {
  const auto lines = read_text_lines(file, options.encoding);
  std::vector<Example> out;
  Example current;
  std::vector<std::size_t> current_lines;  // line of each word, for tag errors
  std::size_t columns = 0, columns_line = 0, word_col = 0, tag_col = 0;

  const auto flush = [&] {
    if (current.words.empty()) return;
    // Tags are checked per sentence so IOB1 conversion sees whole sentences.
    ParsedTag parsed;
    for (std::size_t i = 0; i < current.tags.size(); ++i) {
      if (!parse_tag(current.tags[i], parsed)) {
        throw Error(fmt::format("{}: tag '{}' in column {} is not O, B-TYPE or I-TYPE",
                                source_of(file, current_lines[i]), current.tags[i], tag_col + 1));
      }
    }
    if (options.scheme == TagScheme::iob1) current.tags = iob1_to_bio(current.tags);
    current.text = fmt::format("{}", fmt::join(current.words, " "));
    out.push_back(std::move(current));
    current = Example{};
    current_lines.clear();
  };

  for (const auto& line : lines) {
    if (trim(line.text).empty()) {
      flush();
      continue;
    }
    auto fields = split_columns(line.text, options.separator);
    if (fields[0] == "-DOCSTART-") {  // a document marker, never a word
      flush();
      continue;
    }
    if (columns == 0) {
      columns = fields.size();
      columns_line = line.number;
      const std::string where = source_of(file, line.number);
      word_col = resolve_column(options.word_column, columns, "word_column", where);
      tag_col = resolve_column(options.tag_column, columns, "tag_column", where);
    } else if (fields.size() != columns) {
      throw Error(fmt::format("{}: {} columns, expected {} as on line {}", source_of(file, line.number),
                              fields.size(), columns, columns_line));
    }
    if (fields[word_col].empty() || fields[tag_col].empty()) {
      throw Error(fmt::format("{}: empty word or tag column", source_of(file, line.number)));
    }
    if (current.words.empty()) current.source = source_of(file, line.number);
    current.words.push_back(fields[word_col]);
    current.tags.push_back(fields[tag_col]);
    current_lines.push_back(line.number);
  }
  flush();
  return out;
}

}  // namespace mtlab
