#pragma once
// Entity-level span precision/recall/F1 over word tags, as conlleval and
// seqeval (default mode) compute them: an entity counts only when its type and
// its exact word span match; micro-averaged over all entities.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace mtlab {

enum class SpanMode {
  // conlleval / seqeval default: one chunker for BIO and IOB1 alike. An entity
  // starts at B-X, at I-X after O, after a different type or at sentence start,
  // and ends before O, before B-anything and before a different type. So
  // "O I-PER I-PER" is one PER, "B-PER B-PER" two, "B-PER I-LOC" a PER and a LOC.
  conlleval,
  // seqeval mode="strict" with IOB2: an entity is B-X followed by I-X only; an
  // I-X that does not continue a B-X/I-X of type X belongs to no entity.
  strict_bio,
};

struct Span {
  std::string type;
  std::size_t begin = 0;  // first word
  std::size_t end = 0;    // one past the last word
  bool operator==(const Span&) const = default;
  auto operator<=>(const Span&) const = default;
};

// Entities of one sentence. Tags must be O, B-TYPE or I-TYPE (mtlab::Error otherwise).
std::vector<Span> extract_spans(const std::vector<std::string>& tags, SpanMode mode = SpanMode::conlleval);

struct PrecisionRecall {
  std::size_t true_positives = 0;
  std::size_t gold = 0;       // entities in gold
  std::size_t predicted = 0;  // entities predicted
  double precision = 0;       // tp / predicted (0 when nothing predicted)
  double recall = 0;          // tp / gold (0 when no gold entity)
  double f1 = 0;              // harmonic mean (0 when p + r = 0)
};

struct SpanScores {
  PrecisionRecall overall;                    // micro average
  std::map<std::string, PrecisionRecall> by_type;
};

// Sentences are scored independently (no entity crosses a sentence boundary);
// each pred sentence must have as many tags as its gold sentence.
SpanScores span_scores(const std::vector<std::vector<std::string>>& gold,
                       const std::vector<std::vector<std::string>>& pred,
                       SpanMode mode = SpanMode::conlleval);

}  // namespace mtlab
