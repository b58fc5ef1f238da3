#include "mtlab/metrics/span_f1.h"

#include <fmt/format.h>

#include <algorithm>

#include "mtlab/core/error.h"
#include "mtlab/data/tag_scheme.h"

namespace mtlab {

namespace {

std::vector<ParsedTag> parse_all(const std::vector<std::string>& tags) {
  std::vector<ParsedTag> out(tags.size());
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (!parse_tag(tags[i], out[i])) {
      throw Error(fmt::format("span metrics: tag {} '{}' is not O, B-TYPE or I-TYPE", i + 1, tags[i]));
    }
  }
  return out;
}

// conlleval's startOfChunk / endOfChunk for the B/I/O prefixes.
bool chunk_ends(const ParsedTag& prev, const ParsedTag& cur) {
  if (prev.prefix == 'O') return false;
  if (cur.prefix == 'O' || cur.prefix == 'B') return true;
  return prev.type != cur.type;
}
bool chunk_starts(const ParsedTag& prev, const ParsedTag& cur) {
  if (cur.prefix == 'O') return false;
  if (cur.prefix == 'B' || prev.prefix == 'O') return true;
  return prev.type != cur.type;
}

void set_ratios(PrecisionRecall& pr) {
  const auto ratio = [](std::size_t a, std::size_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
  pr.precision = ratio(pr.true_positives, pr.predicted);
  pr.recall = ratio(pr.true_positives, pr.gold);
  pr.f1 = pr.precision + pr.recall > 0 ? 2 * pr.precision * pr.recall / (pr.precision + pr.recall) : 0.0;
}

}  // namespace

std::vector<Span> extract_spans(const std::vector<std::string>& tags, SpanMode mode) {
  const auto parsed = parse_all(tags);
  std::vector<Span> spans;
  if (mode == SpanMode::conlleval) {
    ParsedTag prev{'O', {}};
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= parsed.size(); ++i) {
      const ParsedTag cur = i < parsed.size() ? parsed[i] : ParsedTag{'O', {}};  // the sentence end closes all
      if (chunk_ends(prev, cur)) spans.push_back({std::string(prev.type), begin, i});
      if (chunk_starts(prev, cur)) begin = i;
      prev = cur;
    }
    return spans;
  }
  // strict_bio: B-X I-X* only.
  for (std::size_t i = 0; i < parsed.size();) {
    if (parsed[i].prefix != 'B') {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < parsed.size() && parsed[j].prefix == 'I' && parsed[j].type == parsed[i].type) ++j;
    spans.push_back({std::string(parsed[i].type), i, j});
    i = j;
  }
  return spans;
}

SpanScores span_scores(const std::vector<std::vector<std::string>>& gold,
                       const std::vector<std::vector<std::string>>& pred, SpanMode mode) {
  if (gold.size() != pred.size()) {
    throw Error(fmt::format("span metrics: {} gold sentences but {} predicted", gold.size(), pred.size()));
  }
  SpanScores scores;
  for (std::size_t s = 0; s < gold.size(); ++s) {
    if (gold[s].size() != pred[s].size()) {
      throw Error(fmt::format("span metrics: sentence {} has {} gold tags but {} predicted", s + 1, gold[s].size(),
                              pred[s].size()));
    }
    auto g = extract_spans(gold[s], mode);
    auto p = extract_spans(pred[s], mode);
    for (const auto& span : g) ++scores.by_type[span.type].gold;
    for (const auto& span : p) ++scores.by_type[span.type].predicted;
    std::sort(g.begin(), g.end());
    std::sort(p.begin(), p.end());
    std::vector<Span> both;
    std::set_intersection(g.begin(), g.end(), p.begin(), p.end(), std::back_inserter(both));
    for (const auto& span : both) ++scores.by_type[span.type].true_positives;
  }
  for (auto& [type, pr] : scores.by_type) {
    set_ratios(pr);
    scores.overall.true_positives += pr.true_positives;
    scores.overall.gold += pr.gold;
    scores.overall.predicted += pr.predicted;
  }
  set_ratios(scores.overall);
  return scores;
}

}  // namespace mtlab
