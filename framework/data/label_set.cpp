#include "mtlab/data/label_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/data/dataset.h"

namespace mtlab {

LabelSet LabelSet::build(const std::vector<std::string>& labels) {
  std::set<std::string> distinct(labels.begin(), labels.end());
  return from_labels({distinct.begin(), distinct.end()});
}

LabelSet LabelSet::build_tags(const std::vector<std::vector<std::string>>& tags) {
  std::set<std::string> distinct;
  for (const auto& sentence : tags) distinct.insert(sentence.begin(), sentence.end());
  return from_labels({distinct.begin(), distinct.end()});
}

LabelSet LabelSet::from_labels(std::vector<std::string> labels) {
  LabelSet set;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!set.index_.emplace(labels[i], static_cast<std::int64_t>(i)).second) {
      throw Error(fmt::format("label set: '{}' appears twice (positions {} and {})", labels[i],
                              set.index_.at(labels[i]), i));
    }
  }
  set.labels_ = std::move(labels);
  return set;
}

bool LabelSet::contains(std::string_view label) const { return index_.find(label) != index_.end(); }

std::int64_t LabelSet::id(std::string_view label) const {
  auto it = index_.find(label);
  return it == index_.end() ? kUnknown : it->second;
}

const std::string& LabelSet::label(std::int64_t id) const {
  if (id < 0 || id >= static_cast<std::int64_t>(labels_.size())) {
    throw Error(fmt::format("label id {} is out of range, expected 0..{}", id, labels_.size() - 1));
  }
  return labels_[static_cast<std::size_t>(id)];
}

std::string LabelSet::label_or(std::int64_t id, std::string_view unknown) const {
  if (id < 0 || id >= static_cast<std::int64_t>(labels_.size())) return std::string(unknown);
  return labels_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> LabelSet::ids(const std::vector<std::string>& labels) const {
  std::vector<std::int64_t> out;
  out.reserve(labels.size());
  for (const auto& l : labels) out.push_back(id(l));
  return out;
}

std::vector<std::string> LabelSet::labels_of(const std::vector<std::int64_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (auto i : ids) out.push_back(label(i));
  return out;
}

std::string LabelSet::to_json() const { return nlohmann::json{{"labels", labels_}}.dump(); }

LabelSet LabelSet::from_json(std::string_view json, std::string_view where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: label set is not valid JSON: {}", where, e.what()));
  }
  if (!j.is_object() || !j.contains("labels") || !j["labels"].is_array()) {
    throw Error(fmt::format("{}: expected a label set {{\"labels\": [...]}}", where));
  }
  std::vector<std::string> labels;
  for (const auto& v : j["labels"]) {
    if (!v.is_string()) throw Error(fmt::format("{}: label set entries must be strings, got {}", where, v.dump()));
    labels.push_back(v.get<std::string>());
  }
  try {
    return from_labels(std::move(labels));
  } catch (const Error&) {
    rethrow_with_context(std::string(where));
  }
}

std::map<std::string, std::size_t> unseen_labels(const LabelSet& set, const std::vector<std::string>& labels) {
  std::map<std::string, std::size_t> out;
  for (const auto& l : labels) {
    if (!set.contains(l)) ++out[l];
  }
  return out;
}

namespace {

void warn_unseen(const std::map<std::string, std::size_t>& unseen, std::string_view what, std::string_view split) {
  if (unseen.empty()) return;
  std::vector<std::string> items;
  for (const auto& [label, count] : unseen) items.push_back(fmt::format("{} ({})", label, count));
  log::warn("{} ({}): {} label(s) never seen in training, counted as errors: {}", what, split, unseen.size(),
            fmt::join(items, ", "));
}

}  // namespace

EncodedSplit encode_split(const LabelSet& set, const std::vector<std::string>& labels, std::string_view what,
                          std::string_view split) {
  EncodedSplit out{set.ids(labels), unseen_labels(set, labels)};
  warn_unseen(out.unseen, what, split);
  return out;
}

EncodedTagSplit encode_tag_split(const LabelSet& set, const std::vector<std::vector<std::string>>& tags,
                                 std::string_view what, std::string_view split) {
  EncodedTagSplit out;
  out.ids.reserve(tags.size());
  for (const auto& sentence : tags) {
    out.ids.push_back(set.ids(sentence));
    for (const auto& t : sentence) {
      if (!set.contains(t)) ++out.unseen[t];
    }
  }
  warn_unseen(out.unseen, what, split);
  return out;
}

DatasetLabels build_label_sets(const Dataset& dataset) {
  DatasetLabels out;
  if (dataset.has_labels()) out.sentence = LabelSet::build(split_labels(dataset.train));
  if (dataset.has_tags()) out.tags = LabelSet::build_tags(split_tags(dataset.train));
  return out;
}

}  // namespace mtlab
