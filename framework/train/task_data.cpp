#include "mtlab/train/task_data.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/data/alignment.h"

namespace mtlab {

TokenizedSplit encode_examples(const Tokenizer& tokenizer, const std::vector<Example>& examples,
                             const std::vector<const TaskSpec*>& tasks, std::int64_t max_length,
                             const std::string& split) {
  TokenizedSplit out;
  out.name = split;
  out.encodings.reserve(examples.size());
  EncodeOptions options;
  options.max_length = max_length;
  for (const auto& example : examples) {
    try {
      if (!example.words.empty()) {
        out.encodings.push_back(tokenizer.encode_words(example.words, options));
        out.num_words.push_back(example.words.size());
        out.words_lost += count_words_lost(out.encodings.back().word_ids, example.words.size());
      } else {
        out.encodings.push_back(tokenizer.encode(example.text, options));
        out.num_words.push_back(0);
      }
    } catch (const std::exception& e) {
      throw Error(fmt::format("{}: {}", example.source, e.what()));
    }
    out.real_tokens += out.encodings.back().size();
  }
  if (out.words_lost > 0) {
    log::warn("{}: {} word(s) lost to truncation at max_length {} (scored as predicted O)", split, out.words_lost,
              max_length);
  }
  for (const TaskSpec* task : tasks) {
    if (task->masking) {  // targets come from masking each batch
      out.sentence_targets.emplace_back();
      out.token_targets.emplace_back();
    } else if (task->level == HeadLevel::sequence) {
      std::vector<std::string> labels;
      for (const auto& e : examples) {
        if (!e.label) throw Error(fmt::format("{}: task '{}' needs a sentence label, this example has none", e.source, task->name));
        labels.push_back(*e.label);
      }
      out.sentence_targets.push_back(encode_split(task->labels, labels, task->name, split).ids);
      out.token_targets.emplace_back();
    } else {
      std::vector<std::vector<std::string>> tags;
      for (const auto& e : examples) {
        if (e.tags.empty() && !e.words.empty()) {
          throw Error(fmt::format("{}: task '{}' needs word tags, this example has none", e.source, task->name));
        }
        tags.push_back(e.tags);
      }
      auto encoded = encode_tag_split(task->labels, tags, task->name, split);
      std::vector<std::vector<std::int64_t>> aligned;
      aligned.reserve(examples.size());
      for (std::size_t i = 0; i < examples.size(); ++i) {
        aligned.push_back(align_labels(out.encodings[i].word_ids, encoded.ids[i]).labels);
      }
      out.token_targets.push_back(std::move(aligned));
      out.sentence_targets.emplace_back();
    }
  }
  return out;
}

namespace {

// The masked-LM task among `tasks` (at most one: it masks the inputs every task of the batch sees), or null.
const TaskSpec* masking_task(const std::vector<const TaskSpec*>& tasks) {
  const TaskSpec* found = nullptr;
  for (const TaskSpec* t : tasks) {
    if (!t->masking) continue;
    if (found || tasks.size() > 1) {
      throw Error(fmt::format("task '{}': a masked-LM task masks its inputs, so it needs a dataset of its own, "
                              "not shared with task '{}'",
                              t->name, found ? found->name : (tasks[0] == t ? tasks[1]->name : tasks[0]->name)));
    }
    found = t;
  }
  return found;
}

}  // namespace

Batch make_batch(const TokenizedSplit& split, const std::vector<std::size_t>& indices,
                 const std::vector<const TaskSpec*>& tasks, std::size_t dataset, std::int64_t mask_round) {
  Batch batch;
  batch.dataset = dataset;
  batch.indices = indices;
  const auto b = static_cast<std::int64_t>(indices.size());
  std::int64_t t = 1;
  for (auto i : indices) t = std::max<std::int64_t>(t, static_cast<std::int64_t>(split.encodings[i].size()));
  auto ids = torch::zeros({b, t}, torch::kLong);
  auto types = torch::zeros({b, t}, torch::kLong);
  auto mask = torch::zeros({b, t}, torch::kLong);
  auto ids_a = ids.accessor<std::int64_t, 2>();
  auto types_a = types.accessor<std::int64_t, 2>();
  auto mask_a = mask.accessor<std::int64_t, 2>();
  for (std::int64_t r = 0; r < b; ++r) {
    const auto& e = split.encodings[indices[r]];
    for (std::size_t c = 0; c < e.size(); ++c) {
      ids_a[r][c] = e.input_ids[c];
      types_a[r][c] = e.token_type_ids[c];
      mask_a[r][c] = e.attention_mask[c];
    }
  }
  if (const TaskSpec* mlm = masking_task(tasks)) {
    auto target = torch::full({b, t}, kIgnoreLabel, torch::kLong);
    auto target_a = target.accessor<std::int64_t, 2>();
    for (std::int64_t r = 0; r < b; ++r) {
      const auto masked = mask_tokens(split.encodings[indices[r]], *mlm->masking, mask_round, indices[r]);
      for (std::size_t c = 0; c < masked.input_ids.size(); ++c) {
        ids_a[r][c] = masked.input_ids[c];
        target_a[r][c] = masked.targets[c];
      }
    }
    batch.targets[mlm->name] = target;
  }
  batch.input_ids = ids;
  batch.token_type_ids = types;
  batch.attention_mask = mask;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    const TaskSpec& task = *tasks[k];
    if (task.masking) continue;
    if (task.level == HeadLevel::sequence) {
      auto target = torch::empty({b}, torch::kLong);
      for (std::int64_t r = 0; r < b; ++r) {
        const auto id = split.sentence_targets[k][indices[r]];
        target[r] = id < 0 ? kIgnoreLabel : id;  // unseen labels: nothing to learn, counted wrong in metrics
      }
      batch.targets[task.name] = target;
    } else {
      auto target = torch::full({b, t}, kIgnoreLabel, torch::kLong);
      auto a = target.accessor<std::int64_t, 2>();
      for (std::int64_t r = 0; r < b; ++r) {
        const auto& labels = split.token_targets[k][indices[r]];
        for (std::size_t c = 0; c < labels.size(); ++c) a[r][c] = labels[c];
      }
      batch.targets[task.name] = target;
    }
  }
  return batch;
}

namespace {

std::vector<std::vector<std::size_t>> chunk(const std::vector<std::size_t>& order, std::size_t batch_size) {
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < order.size(); i += batch_size) {
    out.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + batch_size));
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::size_t>> bucketed_batches(const TokenizedSplit& split, std::size_t batch_size,
                                                       std::mt19937_64& rng) {
  std::vector<std::size_t> order(split.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  const std::size_t bucket = batch_size * 50;
  for (std::size_t i = 0; i < order.size(); i += bucket) {
    auto end = order.begin() + std::min(order.size(), i + bucket);
    std::stable_sort(order.begin() + i, end,
                     [&](std::size_t a, std::size_t b) { return split.encodings[a].size() < split.encodings[b].size(); });
  }
  auto batches = chunk(order, batch_size);
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

std::vector<std::vector<std::size_t>> sorted_batches(const TokenizedSplit& split, std::size_t batch_size) {
  std::vector<std::size_t> order(split.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return split.encodings[a].size() < split.encodings[b].size(); });
  return chunk(order, batch_size);
}

}  // namespace mtlab
