#include "mtlab/data/text_reader.h"

#include "mtlab/core/config.h"
#include "mtlab/options/data_formats.h"

namespace mtlab {

TextOptions text_options(const Config& table) {
  TextOptions o;
  o.encoding = parse_text_encoding(data_string(table, "encoding", kDataDefaults.encoding), table.location("encoding"));
  return o;
}

std::vector<Example> read_text(const std::filesystem::path& file, const TextOptions& options) {
  std::vector<Example> out;
  for (const auto& line : read_text_lines(file, options.encoding)) {
    const auto text = trim(line.text);
    if (text.empty()) continue;
    Example e;
    e.text = std::string(text);
    e.source = source_of(file, line.number);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mtlab
