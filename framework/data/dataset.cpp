#include "mtlab/data/dataset.h"

#include <fmt/format.h>

#include <functional>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/data/conll_reader.h"
#include "mtlab/data/delimited_reader.h"
#include "mtlab/data/joint_reader.h"
#include "mtlab/data/jsonl_reader.h"
#include "mtlab/data/synthetic_data.h"
#include "mtlab/data/text_reader.h"
#include "mtlab/options/data_formats.h"
#include "mtlab/options/env_expand.h"
#include "mtlab/core/rng.h"

namespace mtlab {

bool Dataset::has_labels() const { return !train.empty() && train.front().label.has_value(); }
bool Dataset::has_tags() const { return !train.empty() && !train.front().tags.empty(); }

std::vector<std::string> split_labels(const std::vector<Example>& split) {
  std::vector<std::string> out;
  out.reserve(split.size());
  for (const auto& ex : split) {
    if (!ex.label) throw Error(fmt::format("{}: this example has no sentence label", ex.source));
    out.push_back(*ex.label);
  }
  return out;
}

std::vector<std::vector<std::string>> split_tags(const std::vector<Example>& split) {
  std::vector<std::vector<std::string>> out;
  out.reserve(split.size());
  for (const auto& ex : split) out.push_back(ex.tags);
  return out;
}

namespace {

// Every example of every split must have the same shape as the first one of
// train: a label or not, tags or not.
void check_shape(const Dataset& d) {
  const bool labels = d.has_labels(), tags = d.has_tags();
  for (const auto* split : {&d.train, &d.dev, &d.test}) {
    for (const auto& ex : *split) {
      if (ex.label.has_value() != labels || ex.tags.empty() == tags) {
        throw Error(fmt::format("{}: this example has {} and {}, unlike the first training example ({}); every "
                                "example must have the same fields",
                                ex.source, ex.label ? "a sentence label" : "no sentence label",
                                ex.tags.empty() ? "no word tags" : "word tags", d.train.front().source));
      }
    }
  }
}

}  // namespace

Dataset read_dataset(const Config& table, const std::filesystem::path& base_dir) {
  table.get_string("format");  // required: "key 'format': expected a string, got nothing"
  const std::string format = table.get_choice("format", "", data_formats());
  table.reject_unknown(data_keys_of(format));

  if (format == "synthetic") {
    Dataset d = generate_synthetic(synthetic_options(table));
    check_shape(d);
    return d;
  }

  std::function<std::vector<Example>(const std::filesystem::path&)> read;
  if (format == "joint") {
    read = [o = joint_options(table)](const auto& p) { return read_joint(p, o); };
  } else if (format == "conll") {
    read = [o = conll_options(table)](const auto& p) { return read_conll(p, o); };
  } else if (format == "tsv" || format == "csv") {
    read = [o = delimited_options(table, format == "csv")](const auto& p) { return read_delimited(p, o); };
  } else if (format == "text") {
    read = [o = text_options(table)](const auto& p) { return read_text(p, o); };
  } else {
    read = [o = jsonl_options(table)](const auto& p) { return read_jsonl(p, o); };
  }

  Dataset d;
  d.format = format;
  std::vector<std::string> parts;
  const auto read_split = [&](const char* key, std::vector<Example>& into, bool required) {
    if (!table.has(key)) {
      if (required) table.get_string(key);  // throws "key 'train': expected a string, got nothing"
      return;
    }
    const std::filesystem::path path = resolve_env_path(table.get_string(key), base_dir, table.location(key));
    into = read(path);
    if (into.empty()) throw Error(fmt::format("{}: no examples in the {} split (empty file?)", path.string(), key));
    const std::int64_t limit = data_int(table, std::string("limit_") + key, kDataDefaults.limit);
    if (limit > 0 && static_cast<std::size_t>(limit) < into.size()) into.resize(static_cast<std::size_t>(limit));
    parts.push_back(fmt::format("{}={}", key, path.string()));
  };
  read_split("train", d.train, true);
  read_split("dev", d.dev, false);
  read_split("test", d.test, false);

  const double dev_fraction = data_double(table, "dev_fraction", kDataDefaults.dev_fraction);
  if (dev_fraction > 0) {
    if (table.has("dev")) {
      throw Error(fmt::format("{}: key 'dev_fraction' carves dev out of train, but 'dev' is given too; keep one",
                              table.location("dev_fraction")));
    }
    const auto seed = static_cast<std::uint64_t>(data_int(table, "split_seed", kDataDefaults.split_seed));
    std::vector<std::size_t> order(d.train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    SplitMix64 rng(seed);
    rng.shuffle(order);
    const auto n_dev = static_cast<std::size_t>(dev_fraction * static_cast<double>(d.train.size()) + 0.5);
    if (n_dev == 0 || n_dev >= d.train.size()) {
      throw Error(fmt::format("{}: dev_fraction {} of {} training examples leaves an empty split",
                              table.location("dev_fraction"), dev_fraction, d.train.size()));
    }
    std::vector<bool> to_dev(d.train.size(), false);
    for (std::size_t i = 0; i < n_dev; ++i) to_dev[order[i]] = true;
    std::vector<Example> train;
    for (std::size_t i = 0; i < d.train.size(); ++i) (to_dev[i] ? d.dev : train).push_back(std::move(d.train[i]));
    d.train = std::move(train);  // both keep file order
    parts.push_back(fmt::format("dev={:g} of train (seed {})", dev_fraction, seed));
  }
  // split_seed without dev_fraction is harmless (the spec fills its default), so it is not an error.
  d.source = fmt::format("{}: {}", format, fmt::join(parts, ", "));
  check_shape(d);
  return d;
}

}  // namespace mtlab
