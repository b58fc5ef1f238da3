#include "mtlab/data/tag_scheme.h"

#include <fmt/format.h>

#include "mtlab/core/error.h"

namespace mtlab {

TagScheme parse_tag_scheme(std::string_view name, std::string_view where) {
  if (name == "bio" || name == "iob2" || name == "BIO" || name == "IOB2") return TagScheme::bio;
  if (name == "iob1" || name == "IOB1") return TagScheme::iob1;
  throw Error(fmt::format("{}: tag scheme '{}' is not supported, expected \"bio\" (or \"iob2\") or \"iob1\"",
                          where, name));
}

std::string_view to_string(TagScheme scheme) { return scheme == TagScheme::bio ? "bio" : "iob1"; }

bool parse_tag(std::string_view tag, ParsedTag& out) {
  if (tag == "O") {
    out = {'O', {}};
    return true;
  }
  if (tag.size() >= 3 && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-') {
    out = {tag[0], tag.substr(2)};
    return true;
  }
  return false;
}

void check_tags(const std::vector<std::string>& tags, std::string_view where) {
  ParsedTag parsed;
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (!parse_tag(tags[i], parsed)) {
      throw Error(fmt::format("{}: tag {} '{}' is not O, B-TYPE or I-TYPE", where, i + 1, tags[i]));
    }
  }
}

std::vector<std::string> iob1_to_bio(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  out.reserve(tags.size());
  ParsedTag prev{'O', {}}, cur;
  for (const auto& tag : tags) {
    if (!parse_tag(tag, cur)) {
      out.push_back(tag);  // check_tags reports it
      prev = {'O', {}};
      continue;
    }
    if (cur.prefix == 'I' && (prev.prefix == 'O' || prev.type != cur.type)) {
      out.push_back("B-" + std::string(cur.type));
    } else {
      out.push_back(tag);
    }
    prev = cur;
  }
  return out;
}

}  // namespace mtlab
