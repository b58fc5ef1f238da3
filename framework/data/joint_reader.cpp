#include "mtlab/data/joint_reader.h"

#include <fmt/format.h>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/options/data_formats.h"

namespace mtlab {

JointOptions joint_options(const Config& table) {
  JointOptions o;
  o.words_file = table.get_string("words_file", o.words_file);
  o.tags_file = table.get_string("tags_file", o.tags_file);
  o.label_file = table.get_string("label_file", o.label_file);
  o.scheme = parse_tag_scheme(data_string(table, "scheme", kDataDefaults.scheme), table.location("scheme"));
  o.encoding = parse_text_encoding(data_string(table, "encoding", kDataDefaults.encoding), table.location("encoding"));
  return o;
}

std::vector<Example> read_joint(const std::filesystem::path& folder, const JointOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw Error(fmt::format("{}: expected a folder holding {}, {} and {} (format \"joint\")", folder.string(),
                            options.words_file, options.tags_file, options.label_file));
  }
  const auto words_path = folder / options.words_file;
  const auto tags_path = folder / options.tags_file;
  const auto label_path = folder / options.label_file;
  // Blank lines at the very end of a file (an extra final newline) carry nothing.
  const auto read = [&](const std::filesystem::path& path) {
    auto lines = read_text_lines(path, options.encoding);
    while (!lines.empty() && trim(lines.back().text).empty()) lines.pop_back();
    return lines;
  };
  const auto words = read(words_path);
  const auto tags = read(tags_path);
  const auto labels = read(label_path);

  // The three files are line-aligned; name the first line that has no partner.
  const auto check_count = [&](const std::vector<TextLine>& other, const std::filesystem::path& other_path) {
    if (other.size() == words.size()) return;
    const bool other_longer = other.size() > words.size();
    const std::size_t line = std::min(other.size(), words.size()) + 1;
    throw Error(fmt::format("{}: {} has {} lines but {} has {}; the files must be line-aligned",
                            source_of(other_longer ? other_path : words_path, line), other_path.filename().string(),
                            other.size(), words_path.filename().string(), words.size()));
  };
  check_count(tags, tags_path);
  check_count(labels, label_path);

  std::vector<Example> out;
  out.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    Example ex;
    ex.source = source_of(words_path, words[i].number);
    ex.words = split_whitespace(words[i].text);
    if (ex.words.empty()) throw Error(fmt::format("{}: empty sentence, expected at least one word", ex.source));
    ex.tags = split_whitespace(tags[i].text);
    if (ex.tags.size() != ex.words.size()) {
      throw Error(fmt::format("{}: {} tags for {} words in {}:{}; expected one tag per word",
                              source_of(tags_path, tags[i].number), ex.tags.size(), ex.words.size(),
                              words_path.string(), words[i].number));
    }
    check_tags(ex.tags, source_of(tags_path, tags[i].number));
    if (options.scheme == TagScheme::iob1) ex.tags = iob1_to_bio(ex.tags);
    const std::string_view label = trim(labels[i].text);
    if (label.empty()) throw Error(fmt::format("{}: empty label, expected one label per line", source_of(label_path, labels[i].number)));
    ex.label = std::string(label);
    ex.text = fmt::format("{}", fmt::join(ex.words, " "));
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace mtlab
