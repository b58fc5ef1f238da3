#include "mtlab/train/predictor.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <numeric>
#include <sstream>

#include "mtlab/core/error.h"
#include "mtlab/data/alignment.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/backbone_folder.h"
#include "mtlab/model/head.h"
#include "mtlab/text/tokenizer.h"
#include "mtlab/train/evaluation.h"
#include "mtlab/train/model_checkpoint.h"
#include "mtlab/train/multitask_model.h"
#include "mtlab/train/task_data.h"

namespace mtlab {

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

Predictor Predictor::load(const std::filesystem::path& folder, const plugin::Registry& registry,
                          const std::string& device, Precision precision) {
  const nlohmann::json manifest = read_model_manifest(folder);
  const std::string where = (folder / "heads.json").string();
  try {
    const std::string backbone_plugin = manifest.at("backbone").value("plugin", "bert");
    auto backbone = registry.create<Backbone>(
        plugin::Kind::backbone, backbone_plugin,
        backbone_folder_config(registry.find(plugin::Kind::backbone, backbone_plugin), folder, device, where));
    Predictor p;
    std::vector<std::pair<std::string, std::shared_ptr<Head>>> heads;
    for (const auto& task : manifest.at("tasks")) {
      const std::string name = task.at("name").get<std::string>();
      auto head = registry.create<Head>(plugin::Kind::head, task.at("head").get<std::string>(),
                                        Config(task.value("head_config", nlohmann::json::object()), where));
      if (head->masked_lm()) continue;  // pretraining: predicts masked tokens, labels nothing
      auto labels = LabelSet::from_labels(task.at("labels").get<std::vector<std::string>>());
      head->set_labels(labels.labels());
      head->build(backbone->hidden_size(), static_cast<std::int64_t>(labels.size()));
      head->to(backbone->device());
      heads.emplace_back(name, head);
      p.tasks_.push_back(name);
      p.is_token_task_[name] = head->level() == HeadLevel::token;
      p.labels_[name] = labels;
    }
    if (heads.empty()) throw Error("the model has no task that labels text (only masked-LM pretraining heads)");
    p.model_ = std::make_shared<MultiTaskModel>(backbone, heads);
    load_head_weights(*p.model_, folder, p.tasks_);
    p.model_->eval();
    prepare_linear_layers(*backbone, precision);
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
}

std::vector<SentencePrediction> Predictor::predict(const std::vector<std::string>& texts,
                                                   std::size_t batch_size) const {
  torch::NoGradGuard guard;
  const auto& tokenizer = model_->backbone().tokenizer();
  TokenizedSplit split;
  std::vector<SentencePrediction> out(texts.size());
  EncodeOptions options;
  options.max_length = model_->backbone().max_length();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    out[i].text = texts[i];
    out[i].words = split_words(texts[i]);
    split.encodings.push_back(tokenizer.encode_words(out[i].words, options));
    split.num_words.push_back(out[i].words.size());
  }
  const auto device = model_->backbone().device();
  for (const auto& indices : sorted_batches(split, batch_size)) {
    Batch batch = make_batch(split, indices, {}, 0);
    auto encoded = model_->encode(batch.input_ids.to(device), batch.token_type_ids.to(device),
                                  batch.attention_mask.to(device));
    auto logits = model_->heads_forward(encoded, tasks_);
    for (const auto& task : tasks_) {
      const LabelSet& labels = labels_.at(task);
      if (!is_token_task_.at(task)) {
        const auto choices = sequence_choices(logits.at(task));
        for (std::size_t r = 0; r < indices.size(); ++r) {
          out[indices[r]].labels[task] = {labels.label(choices[r].id), choices[r].probability};
        }
        continue;
      }
      const auto rows = token_choices(model_->head(task), logits.at(task), split, indices);
      const std::int64_t fill = outside_tag_id(labels);
      for (std::size_t r = 0; r < indices.size(); ++r) {
        const auto& encoding = split.encodings[indices[r]];
        auto& sentence = out[indices[r]];
        auto tags = labels.labels_of(word_predictions(encoding.word_ids, rows[r], sentence.words.size(), fill));
        sentence.entities[task];  // present even when empty
        for (const auto& span : extract_spans(tags)) {
          std::string text;
          for (std::size_t w = span.begin; w < span.end; ++w) text += (w > span.begin ? " " : "") + sentence.words[w];
          sentence.entities[task].push_back({span.type, text, span.begin, span.end});
        }
        sentence.tags[task] = std::move(tags);
      }
    }
  }
  return out;
}

}  // namespace mtlab
