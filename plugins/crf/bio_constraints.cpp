#include "bio_constraints.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "mtlab/data/tag_scheme.h"

namespace mtlab::crf {

Allowed bio_allowed(const std::vector<std::string>& labels, const std::string& where) {
  std::vector<ParsedTag> tags(labels.size());
  std::vector<std::string> bad;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!parse_tag(labels[i], tags[i])) bad.push_back("'" + labels[i] + "'");
  }
  if (!bad.empty()) {
    throw Error(fmt::format("{}: constrain_bio = true needs BIO labels (O, B-TYPE, I-TYPE), but the task's labels include "
                            "{}; set constrain_bio = false for a tag set that is not BIO",
                            where, fmt::join(bad, ", ")));
  }
  const auto n = labels.size();
  Allowed out{std::vector<bool>(n), std::vector<std::vector<bool>>(n, std::vector<bool>(n))};
  for (std::size_t to = 0; to < n; ++to) {
    const bool inside = tags[to].prefix == 'I';
    out.start[to] = !inside;
    for (std::size_t from = 0; from < n; ++from) {
      out.transition[from][to] = !inside || (tags[from].prefix != 'O' && tags[from].type == tags[to].type);
    }
  }
  if (std::none_of(out.start.begin(), out.start.end(), [](bool b) { return b; })) {
    throw Error(fmt::format("{}: constrain_bio = true, but no label can start a sequence (the labels are all I-TYPE); "
                            "expected an O or B-TYPE label, or constrain_bio = false",
                            where));
  }
  return out;
}

}  // namespace mtlab::crf
