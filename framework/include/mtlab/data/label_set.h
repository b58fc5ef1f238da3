#pragma once
// A label vocabulary built from the training split. Order: sorted (byte-wise),
// so ids do not depend on the order of the file and are the same run after run.
// A dev/test label that training never saw maps to LabelSet::kUnknown: no model
// can predict it, so it counts as an error of the model (the loss should skip
// it), and encode_split() reports such labels once, as a warning.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab {

struct Dataset;

class LabelSet {
 public:
  static constexpr std::int64_t kUnknown = -1;

  LabelSet() = default;
  // Distinct labels of `labels`, sorted.
  static LabelSet build(const std::vector<std::string>& labels);
  // The distinct word tags of every sentence, sorted (ATIS train: 120 tags).
  static LabelSet build_tags(const std::vector<std::vector<std::string>>& tags);
  // Exactly these labels in this order (e.g. from a checkpoint); duplicates are errors.
  static LabelSet from_labels(std::vector<std::string> labels);

  std::size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  const std::vector<std::string>& labels() const { return labels_; }
  bool contains(std::string_view label) const;

  // The id of `label`, or kUnknown.
  std::int64_t id(std::string_view label) const;
  // The label of `id`; throws for an id out of range (kUnknown included).
  const std::string& label(std::int64_t id) const;
  // The label of `id`, or `unknown` for kUnknown / out of range.
  std::string label_or(std::int64_t id, std::string_view unknown) const;

  std::vector<std::int64_t> ids(const std::vector<std::string>& labels) const;
  std::vector<std::string> labels_of(const std::vector<std::int64_t>& ids) const;

  // {"labels": [...]}; from_json() checks the shape and names `where` in errors.
  std::string to_json() const;
  static LabelSet from_json(std::string_view json, std::string_view where);

  bool operator==(const LabelSet& other) const { return labels_ == other.labels_; }

 private:
  std::vector<std::string> labels_;
  std::map<std::string, std::int64_t, std::less<>> index_;
};

// Labels not in `set`, with how often each occurs (sorted by label).
std::map<std::string, std::size_t> unseen_labels(const LabelSet& set, const std::vector<std::string>& labels);

// Encodes the labels of one split; when some are unseen, logs one warning
// "<what> (<split>): N label(s) never seen in training, counted as errors: a (2), b (1)"
// and returns them so the caller can record them with the run.
struct EncodedSplit {
  std::vector<std::int64_t> ids;
  std::map<std::string, std::size_t> unseen;
};
EncodedSplit encode_split(const LabelSet& set, const std::vector<std::string>& labels,
                          std::string_view what, std::string_view split);
// The same for word tags: one id list per sentence, one warning for the split.
struct EncodedTagSplit {
  std::vector<std::vector<std::int64_t>> ids;
  std::map<std::string, std::size_t> unseen;
};
EncodedTagSplit encode_tag_split(const LabelSet& set, const std::vector<std::vector<std::string>>& tags,
                                 std::string_view what, std::string_view split);

// The label sets of a dataset, built from its train split: sentence labels when
// it has them, word tags when it has them.
struct DatasetLabels {
  std::optional<LabelSet> sentence;
  std::optional<LabelSet> tags;
};
DatasetLabels build_label_sets(const Dataset& dataset);

}  // namespace mtlab
