#include "mtlab/train/evaluation.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "mtlab/core/error.h"
#include "mtlab/data/alignment.h"
#include "mtlab/metrics/classification.h"
#include "mtlab/metrics/sequence_metrics.h"
#include "mtlab/metrics/span_f1.h"
#include "mtlab/train/frozen_prefix_cache.h"
#include "mtlab/train/masking.h"
#include "mtlab/train/multitask_model.h"

namespace mtlab {

std::vector<std::string> default_metrics(HeadLevel level) {
  if (level == HeadLevel::sequence) return {"accuracy", "macro_f1"};
  return {"span_f1", "span_precision", "span_recall", "token_accuracy"};
}

namespace {

bool wants(const TaskSpec& task, const std::string& metric) {
  const auto& list = !task.metrics.empty() ? task.metrics
                     : task.masking        ? std::vector<std::string>{"masked_accuracy", "perplexity"}
                                           : default_metrics(task.level);
  return std::find(list.begin(), list.end(), metric) != list.end();
}

}  // namespace

std::vector<LabelChoice> sequence_choices(const at::Tensor& logits) {
  auto probs = torch::softmax(logits.to(torch::kFloat), -1).to(torch::kCPU);
  auto [best, arg] = probs.max(-1);
  std::vector<LabelChoice> out(static_cast<std::size_t>(logits.size(0)));
  for (std::size_t r = 0; r < out.size(); ++r) {
    out[r] = {arg[static_cast<std::int64_t>(r)].item<std::int64_t>(), best[static_cast<std::int64_t>(r)].item<double>()};
  }
  return out;
}

namespace {

// [B, T] bool: true at each word's first piece (the positions that carry word labels).
at::Tensor first_piece_mask(const TokenizedSplit& split, const std::vector<std::size_t>& indices, std::int64_t width) {
  auto mask = torch::zeros({static_cast<std::int64_t>(indices.size()), width}, torch::kBool);
  auto m = mask.accessor<bool, 2>();
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const auto i = indices[r];
    for (const std::size_t t : first_pieces(split.encodings[i].word_ids, split.num_words[i])) {
      m[static_cast<std::int64_t>(r)][static_cast<std::int64_t>(t)] = true;
    }
  }
  return mask;
}

}  // namespace

std::vector<std::vector<std::int64_t>> token_choices(Head& head, const at::Tensor& logits, const TokenizedSplit& split,
                                                     const std::vector<std::size_t>& indices) {
  const auto mask = first_piece_mask(split, indices, logits.size(1)).to(logits.device());
  auto arg = head.decode(logits, mask).to(torch::kCPU, torch::kLong).contiguous();
  auto a = arg.accessor<std::int64_t, 2>();
  std::vector<std::vector<std::int64_t>> out(indices.size());
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const auto len = split.encodings[indices[r]].size();
    out[r].resize(len);
    for (std::size_t c = 0; c < len; ++c) out[r][c] = a[static_cast<std::int64_t>(r)][static_cast<std::int64_t>(c)];
  }
  return out;
}

std::int64_t outside_tag_id(const LabelSet& labels) { return labels.contains("O") ? labels.id("O") : 0; }

EvalResult evaluate(MultiTaskModel& model, const std::vector<TaskSpec>& tasks, const std::vector<EvalSplit>& splits,
                    const std::map<std::string, Loss*>& losses, std::size_t batch_size, FrozenPrefix* prefix) {
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  EvalResult result;
  double total_loss = 0;

  for (std::size_t d = 0; d < splits.size(); ++d) {
    const EvalSplit& split = splits[d];
    if (!split.tokenized || split.tokenized->size() == 0) continue;
    std::vector<const TaskSpec*> dtasks;
    std::vector<std::string> names;
    for (const auto& t : tasks) {
      if (t.dataset == d) {
        dtasks.push_back(&t);
        names.push_back(t.name);
      }
    }
    const std::size_t n = split.tokenized->size();
    std::map<std::string, double> loss_sum, loss_weight;
    std::map<std::string, std::vector<std::int64_t>> seq_pred;
    std::map<std::string, std::vector<double>> seq_prob;
    std::map<std::string, std::vector<std::vector<std::int64_t>>> tok_pred;
    std::map<std::string, double> masked_right;  // masked-LM tasks: correct predictions (the count is loss_weight)
    for (const auto* t : dtasks) {
      if (t->masking) continue;
      if (t->level == HeadLevel::sequence) {
        seq_pred[t->name].assign(n, 0);
        seq_prob[t->name].assign(n, 0.0);
      } else {
        tok_pred[t->name].assign(n, {});
      }
    }
    for (const auto& indices : sorted_batches(*split.tokenized, batch_size)) {
      Batch batch = make_batch(*split.tokenized, indices, dtasks, d);
      auto encoded = encode_batch(model, prefix, batch);
      auto logits = model.heads_forward(encoded, names);
      for (const auto* t : dtasks) {
        const auto& lg = logits.at(t->name);
        const auto target = batch.targets.at(t->name).to(lg.device());
        const double valid = static_cast<double>((target != kIgnoreIndex).sum().item<std::int64_t>());
        if (valid > 0) {
          loss_sum[t->name] += model.task_loss(t->name, lg, target, losses).item<double>() * valid;
          loss_weight[t->name] += valid;
        }
        if (t->masking) {
          const double share = masked_accuracy(lg, target);
          if (share >= 0) masked_right[t->name] += share * valid;
        } else if (t->level == HeadLevel::sequence) {
          const auto choices = sequence_choices(lg);
          for (std::size_t r = 0; r < indices.size(); ++r) {
            seq_pred[t->name][indices[r]] = choices[r].id;
            seq_prob[t->name][indices[r]] = choices[r].probability;
          }
        } else {
          auto rows = token_choices(model.head(t->name), lg, *split.tokenized, indices);
          for (std::size_t r = 0; r < indices.size(); ++r) tok_pred[t->name][indices[r]] = std::move(rows[r]);
        }
      }
    }

    const auto& examples = *split.examples;
    std::vector<std::string> gold_labels, pred_labels;
    std::vector<std::vector<std::string>> gold_tags, pred_tags;
    bool has_seq = false, has_tok = false;
    for (const auto* t : dtasks) {
      const std::string& name = t->name;
      const double task_loss = loss_weight[name] > 0 ? loss_sum[name] / loss_weight[name] : 0.0;
      result.metrics[name + ".loss"] = task_loss;
      total_loss += t->weight * task_loss;
      TaskPredictions& predictions = result.predictions[name];
      if (t->masking) {
        const double n_masked = loss_weight[name];
        if (wants(*t, "masked_accuracy")) result.metrics[name + ".masked_accuracy"] = n_masked > 0 ? masked_right[name] / n_masked : 0.0;
        if (wants(*t, "perplexity")) result.metrics[name + ".perplexity"] = std::exp(task_loss);
      } else if (t->level == HeadLevel::sequence) {
        std::vector<std::string> gold, pred;
        for (std::size_t i = 0; i < n; ++i) {
          gold.push_back(*examples[i].label);
          pred.push_back(t->labels.label(seq_pred[name][i]));
        }
        if (wants(*t, "accuracy")) result.metrics[name + ".accuracy"] = accuracy(gold, pred);
        if (wants(*t, "macro_f1")) result.metrics[name + ".macro_f1"] = macro_f1(gold, pred);
        predictions.labels = pred;
        predictions.probabilities = seq_prob[name];
        if (!has_seq) gold_labels = gold, pred_labels = pred, has_seq = true;
      } else {
        const std::int64_t fill = outside_tag_id(t->labels);
        std::vector<std::vector<std::string>> gold, pred;
        for (std::size_t i = 0; i < n; ++i) {
          gold.push_back(examples[i].tags);
          auto words = word_predictions(split.tokenized->encodings[i].word_ids, tok_pred[name][i],
                                        split.tokenized->num_words[i], fill);
          pred.push_back(t->labels.labels_of(words));
        }
        const auto scores = span_scores(gold, pred, SpanMode::conlleval);
        if (wants(*t, "span_f1")) result.metrics[name + ".span_f1"] = scores.overall.f1;
        if (wants(*t, "span_precision")) result.metrics[name + ".span_precision"] = scores.overall.precision;
        if (wants(*t, "span_recall")) result.metrics[name + ".span_recall"] = scores.overall.recall;
        if (wants(*t, "token_accuracy")) result.metrics[name + ".token_accuracy"] = token_accuracy(gold, pred);
        predictions.tags = pred;
        if (!has_tok) gold_tags = gold, pred_tags = pred, has_tok = true;
      }
    }
    if (has_seq && has_tok) {
      const std::string key = splits.size() > 1 ? fmt::format("sentence_accuracy.{}", d) : "sentence_accuracy";
      result.metrics[key] = sentence_accuracy(gold_labels, pred_labels, gold_tags, pred_tags);
    }
  }
  result.metrics["loss"] = total_loss;
  model.train(was_training);
  return result;
}

}  // namespace mtlab
