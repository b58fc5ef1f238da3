// Masked-LM pretraining: the masks (rates, specials, whole words, per epoch,
// reproducible), the masked_lm head (decoder tied to the embeddings), training
// (the loss falls; a stopped run resumes exactly), and the saved folder
// (BertForMaskedLM's keys and shapes; the encoder reads back bit for bit).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <set>

#include "mtlab/data/joint_reader.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/train/interrupt.h"
#include "mtlab/train/masking.h"
#include "mtlab/train/model_checkpoint.h"
#include "training_fixture.h"

namespace mtlab {
namespace {

namespace fs = std::filesystem;

// ATIS training sentences and a WordPiece vocabulary built from them (words
// seen fewer than 3 times are split into pieces: whole-word masking has groups).
struct AtisText {
  std::vector<Example> examples;
  BertTokenizer tokenizer;
  std::vector<Encoding> encodings;
};

const AtisText& atis_text() {
  static const AtisText text = [] {
    auto examples = read_joint(test::data_dir() / "atis" / "train", JointOptions{});
    std::vector<std::string> texts;
    for (const auto& e : examples) texts.push_back(e.text);
    TokenizerOptions options;
    BertTokenizer tokenizer(build_vocab(texts, options, 3, 0), options);
    std::vector<Encoding> encodings;
    for (const auto& e : examples) encodings.push_back(tokenizer.encode_words(e.words, {}));
    return AtisText{std::move(examples), std::move(tokenizer), std::move(encodings)};
  }();
  return text;
}

MaskingSpec atis_spec(bool whole_word, std::uint64_t seed = 13) {
  MaskingOptions options;
  options.whole_word = whole_word;
  return MaskingSpec::make(options, atis_text().tokenizer, seed);
}

struct Counts {
  double candidates = 0, chosen = 0, masked = 0, random = 0, kept = 0;
};

Counts count_masks(const MaskingSpec& spec, std::int64_t round) {
  const auto& text = atis_text();
  Counts c;
  const std::set<std::int64_t> specials(spec.special_ids.begin(), spec.special_ids.end());
  for (std::size_t i = 0; i < text.encodings.size(); ++i) {
    const auto& e = text.encodings[i];
    const auto m = mask_tokens(e, spec, round, i);
    REQUIRE(m.input_ids.size() == e.size());
    for (std::size_t k = 0; k < e.size(); ++k) {
      const bool special = e.word_ids[k] < 0 || specials.count(e.input_ids[k]);
      if (special) {
        INFO(e.tokens[k]);
        CHECK(m.targets[k] == kIgnoreIndex);  // never a special token
        CHECK(m.input_ids[k] == e.input_ids[k]);
        continue;
      }
      ++c.candidates;
      if (m.targets[k] == kIgnoreIndex) {
        CHECK(m.input_ids[k] == e.input_ids[k]);
        continue;
      }
      CHECK(m.targets[k] == e.input_ids[k]);
      ++c.chosen;
      if (m.input_ids[k] == spec.mask_id) {
        ++c.masked;
      } else if (m.input_ids[k] == e.input_ids[k]) {
        ++c.kept;  // (a random draw of the same id counts here too: 1 in vocab_size of the 10 %)
      } else {
        ++c.random;
      }
    }
  }
  return c;
}

// |observed − expected| within 5 standard deviations of a binomial share over n draws.
void check_share(double observed, double expected, double n) {
  const double bound = 5 * std::sqrt(expected * (1 - expected) / n);
  INFO("observed " << observed << ", expected " << expected << " ± " << bound << " over " << n);
  CHECK(std::abs(observed - expected) <= bound);
}

}  // namespace

TEST_CASE("masking chooses 15 percent of tokens and splits them 80 10 10", "[train][mlm]") {
  const auto spec = atis_spec(false);
  const Counts c = count_masks(spec, 0);
  REQUIRE(c.candidates > 40000);
  check_share(c.chosen / c.candidates, 0.15, c.candidates);
  check_share(c.masked / c.chosen, 0.8, c.chosen);
  check_share(c.random / c.chosen, 0.1, c.chosen);
  check_share(c.kept / c.chosen, 0.1, c.chosen);
}

TEST_CASE("whole-word masking chooses every piece of a word together", "[train][mlm]") {
  const auto spec = atis_spec(true);
  const auto& text = atis_text();
  double words = 0, chosen_words = 0, split_words = 0;
  for (std::size_t i = 0; i < text.encodings.size(); ++i) {
    const auto& e = text.encodings[i];
    const auto m = mask_tokens(e, spec, 0, i);
    std::map<std::int64_t, std::pair<int, int>> per_word;  // word → (pieces, chosen pieces)
    for (std::size_t k = 0; k < e.size(); ++k) {
      if (e.word_ids[k] < 0) continue;
      auto& [pieces, chosen] = per_word[e.word_ids[k]];
      ++pieces;
      chosen += m.targets[k] != kIgnoreIndex;
    }
    for (const auto& [word, pc] : per_word) {
      INFO("example " << i << " word " << word);
      CHECK((pc.second == 0 || pc.second == pc.first));  // all or nothing
      ++words;
      chosen_words += pc.second > 0;
      split_words += pc.first > 1;
    }
  }
  REQUIRE(split_words > 100);  // the test has multi-piece words to keep together
  check_share(chosen_words / words, 0.15, words);
}

TEST_CASE("masks are new every epoch and the same for the same seed and epoch", "[train][mlm]") {
  const auto spec = atis_spec(false);
  const auto& text = atis_text();
  std::size_t differ = 0, compared = 0;
  for (std::size_t i = 0; i < 200; ++i) {
    const auto a = mask_tokens(text.encodings[i], spec, 0, i);
    const auto again = mask_tokens(text.encodings[i], spec, 0, i);
    CHECK(a.input_ids == again.input_ids);
    CHECK(a.targets == again.targets);
    const auto b = mask_tokens(text.encodings[i], spec, 1, i);
    differ += a.targets != b.targets;
    ++compared;
  }
  CHECK(differ > compared / 2);  // P(same mask) per sentence of ~12 tokens is about 0.85^12 ≈ 0.14
  // Another seed draws other masks.
  const auto other = atis_spec(false, 14);
  std::size_t differ_seed = 0;
  for (std::size_t i = 0; i < 200; ++i) {
    differ_seed += mask_tokens(text.encodings[i], spec, 0, i).targets !=
                   mask_tokens(text.encodings[i], other, 0, i).targets;
  }
  CHECK(differ_seed > 100);
}

TEST_CASE("masking refuses mask and random fractions above 1 in total", "[train][mlm]") {
  MaskingOptions o;
  o.mask_fraction = 0.8;
  o.random_fraction = 0.3;
  CHECK_THROWS_WITH(MaskingSpec::make(o, atis_text().tokenizer, 1), Catch::Contains("exceed 1"));
}

namespace {

// A tiny BERT with only a masked_lm task on the synthetic sentences.
struct MlmSetup {
  std::shared_ptr<MultiTaskModel> model;
  std::shared_ptr<Head> head;
  std::vector<TaskSpec> tasks;
  std::shared_ptr<Loss> loss;
  std::shared_ptr<OptimizerFactory> optimizer;
  std::vector<TaskDataset> datasets;

  TrainInputs inputs() {
    TrainInputs in;
    in.model = model.get();
    in.tasks = tasks;
    in.losses["mlm"] = loss.get();
    in.optimizer = optimizer.get();
    in.groups.lr = 5e-3;
    in.freeze = FreezePolicy::parse("none", {"mlm"}, model->backbone().num_layers());
    in.datasets = &datasets;
    return in;
  }
};

MlmSetup make_mlm_setup(std::uint64_t seed = 3) {
  torch::manual_seed(seed);
  auto [data, backbone] = test::make_tiny_bert(160, 0);

  MlmSetup s;
  auto& registry = test::shipped_plugins();
  s.head = registry.create<Head>(plugin::Kind::head, "masked_lm", Config());
  s.head->build(32, 0);
  s.model = std::make_shared<MultiTaskModel>(backbone, std::vector<std::pair<std::string, std::shared_ptr<Head>>>{
                                                           {"mlm", s.head}});
  TaskSpec t{"mlm", HeadLevel::token, 1.0, {}, 0, LabelSet{}};
  t.masking = MaskingSpec::make(MaskingOptions{}, backbone->tokenizer(), 7);
  s.tasks = {t};
  s.loss = registry.create<Loss>(plugin::Kind::loss, "cross_entropy", Config());
  s.optimizer = registry.create<OptimizerFactory>(plugin::Kind::optimizer, "adamw", Config());
  TaskDataset td;
  td.train = data.train;
  td.dev = data.dev;
  std::vector<const TaskSpec*> tasks{&s.tasks[0]};
  td.train_tokens = encode_examples(backbone->tokenizer(), td.train, tasks, 48, "train");
  td.dev_tokens = encode_examples(backbone->tokenizer(), td.dev, tasks, 48, "dev");
  s.datasets.push_back(std::move(td));
  return s;
}

TrainerOptions mlm_options(std::int64_t epochs) {
  TrainerOptions o;
  o.epochs = epochs;
  o.batch_size = 16;  // 160 sentences: 10 steps an epoch
  o.log_every = 1;
  o.progress = false;
  o.seed = 11;
  o.metric = "dev.mlm.perplexity";
  return o;
}

double mean_train_loss(const test::MemoryRecorder& r, std::int64_t from, std::int64_t to) {
  double sum = 0;
  int n = 0;
  for (const auto& row : r.rows) {
    if (row.task == "mlm" && row.split == "train" && row.name == "loss" && row.step >= from && row.step <= to) {
      sum += row.value;
      ++n;
    }
  }
  REQUIRE(n > 0);
  return sum / n;
}

}  // namespace

TEST_CASE("the masked_lm decoder is the embedding parameter itself", "[train][mlm]") {
  auto s = make_mlm_setup();
  auto embeddings = s.model->backbone().input_embeddings();
  const auto weights = s.head->lm_head_weights();
  REQUIRE(weights);
  CHECK(weights->decoder_weight.data_ptr() == embeddings.data_ptr());  // shared, not a copy
  CHECK(weights->bias.size(0) == embeddings.size(0));
  // Counted once among the model's parameters (the optimizer steps it once).
  std::size_t seen = 0;
  for (const auto& p : s.model->parameters()) seen += p.data_ptr() == embeddings.data_ptr();
  CHECK(seen == 1);

  // A gradient step through the head alone moves the embeddings.
  const auto before = embeddings.detach().clone();
  auto batch = make_batch(s.datasets[0].train_tokens, {0, 1, 2, 3}, {&s.tasks[0]}, 0, 0);
  auto encoded = s.model->encode(batch.input_ids, batch.token_type_ids, batch.attention_mask);
  auto logits = s.model->heads_forward(encoded, {"mlm"}).at("mlm");
  CHECK(logits.size(-1) == embeddings.size(0));
  auto loss = s.loss->compute(logits, batch.targets.at("mlm"));
  loss.backward();
  REQUIRE(embeddings.grad().defined());
  torch::optim::SGD sgd(s.model->parameters(), torch::optim::SGDOptions(0.5));
  sgd.step();
  CHECK_FALSE(torch::equal(before, embeddings));
  CHECK(s.head->lm_head_weights()->decoder_weight.data_ptr() == embeddings.data_ptr());
}

TEST_CASE("masked-LM training lowers the loss and records masked accuracy", "[train][mlm]") {
  auto s = make_mlm_setup();
  auto inputs = s.inputs();
  test::MemoryRecorder recorder;
  const auto result = train(inputs, mlm_options(6), recorder);
  CHECK(result.steps == 60);
  const double first = mean_train_loss(recorder, 1, 5), last = mean_train_loss(recorder, 56, 60);
  INFO("first steps " << first << ", last steps " << last);
  CHECK(last < first - 0.5);
  bool step_accuracy = false;
  for (const auto& row : recorder.rows) step_accuracy |= row.split == "train" && row.name == "masked_accuracy";
  CHECK(step_accuracy);
  REQUIRE(result.dev.count("mlm.masked_accuracy"));
  REQUIRE(result.dev.count("mlm.perplexity"));
  CHECK(result.dev.at("mlm.perplexity") == Approx(std::exp(result.dev.at("mlm.loss"))));
  CHECK(result.dev.at("mlm.perplexity") < static_cast<double>(s.model->backbone().tokenizer().vocab_size()));
  // Ten times what guessing does (1 in the vocabulary's size).
  CHECK(result.dev.at("mlm.masked_accuracy") > 10.0 / static_cast<double>(s.model->backbone().tokenizer().vocab_size()));
}

TEST_CASE("a masked-LM run stopped and resumed ends exactly like one never stopped", "[train][mlm][resume]") {
  const auto dir = test::scratch_dir("mlm_resume");
  auto run = [&](const fs::path& out, test::StoppingRecorder& recorder, bool resume) {
    auto s = make_mlm_setup(9);
    auto inputs = s.inputs();
    inputs.output_dir = out;
    inputs.resume = resume;
    auto o = mlm_options(3);
    o.checkpoint_every = 4;
    const auto result = train(inputs, o, recorder);
    return std::make_pair(result, test::parameter_copy(*s.model));
  };
  test::StoppingRecorder never(test::StoppingRecorder::How::never, 0);
  const auto reference = run(dir / "reference", never, false);
  test::StoppingRecorder stopping(test::StoppingRecorder::How::interrupt, 13);  // in the second epoch
  CHECK_THROWS_AS(run(dir / "stopped", stopping, false), Interrupted);
  clear_interrupt();
  test::StoppingRecorder again(test::StoppingRecorder::How::never, 0);
  again.rows = stopping.rows;
  const auto resumed = run(dir / "stopped", again, true);
  CHECK(again.rewound_to == 13);
  for (const auto& [name, tensor] : reference.second) {
    INFO(name);
    CHECK(torch::equal(tensor, resumed.second.at(name)));
  }
  CHECK(reference.first.dev == resumed.first.dev);
  REQUIRE(never.rows.size() == again.rows.size());
  for (std::size_t i = 0; i < never.rows.size(); ++i) CHECK(never.rows[i].value == again.rows[i].value);
}

namespace {

// BertForMaskedLM's state_dict (transformers' modeling_bert.py: BertModel without
// a pooler under `bert.`, BertOnlyMLMHead under `cls.`, decoder tied to the word
// embeddings and decoder.bias to bias), for L layers, hidden H, intermediate I,
// vocabulary V, P positions, T token types.
std::map<std::string, std::vector<std::int64_t>> hf_masked_lm_keys(std::int64_t L, std::int64_t H, std::int64_t I,
                                                                   std::int64_t V, std::int64_t P, std::int64_t T) {
  std::map<std::string, std::vector<std::int64_t>> k = {
      {"bert.embeddings.word_embeddings.weight", {V, H}},
      {"bert.embeddings.position_embeddings.weight", {P, H}},
      {"bert.embeddings.token_type_embeddings.weight", {T, H}},
      {"bert.embeddings.LayerNorm.weight", {H}},
      {"bert.embeddings.LayerNorm.bias", {H}},
      {"cls.predictions.bias", {V}},
      {"cls.predictions.transform.dense.weight", {H, H}},
      {"cls.predictions.transform.dense.bias", {H}},
      {"cls.predictions.transform.LayerNorm.weight", {H}},
      {"cls.predictions.transform.LayerNorm.bias", {H}},
      {"cls.predictions.decoder.weight", {V, H}},
      {"cls.predictions.decoder.bias", {V}},
  };
  for (std::int64_t l = 0; l < L; ++l) {
    const std::string p = "bert.encoder.layer." + std::to_string(l) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
      k[p + m + ".weight"] = {H, H};
      k[p + m + ".bias"] = {H};
    }
    k[p + "attention.output.LayerNorm.weight"] = {H};
    k[p + "attention.output.LayerNorm.bias"] = {H};
    k[p + "intermediate.dense.weight"] = {I, H};
    k[p + "intermediate.dense.bias"] = {I};
    k[p + "output.dense.weight"] = {H, I};
    k[p + "output.dense.bias"] = {H};
    k[p + "output.LayerNorm.weight"] = {H};
    k[p + "output.LayerNorm.bias"] = {H};
  }
  return k;
}

}  // namespace

TEST_CASE("a saved masked-LM model has BertForMaskedLM keys and its encoder reads back bit for bit", "[train][mlm]") {
  auto s = make_mlm_setup();
  auto inputs = s.inputs();
  test::MemoryRecorder recorder;
  auto o = mlm_options(1);
  train(inputs, o, recorder);
  const auto folder = test::scratch_dir("mlm_save") / "model";
  save_model_folder(*s.model, {{"tasks", nlohmann::json::array()}}, folder);

  auto& bert = dynamic_cast<BertModel&>(s.model->backbone());
  const auto& c = bert.config();
  auto expected = hf_masked_lm_keys(c.num_hidden_layers, c.hidden_size, c.intermediate_size, c.vocab_size,
                                    c.max_position_embeddings, c.type_vocab_size);
  // The pooler stays too: BertModel loads it, BertForMaskedLM ignores it
  // (_keys_to_ignore_on_load_unexpected = [r"pooler"]).
  expected["bert.pooler.dense.weight"] = {c.hidden_size, c.hidden_size};
  expected["bert.pooler.dense.bias"] = {c.hidden_size};
  auto file = io::SafetensorsFile::open(folder / "model.safetensors");
  std::map<std::string, std::vector<std::int64_t>> saved;
  for (const auto& t : file.tensors()) saved[t.name] = t.shape;
  CHECK(saved == expected);

  const auto config = nlohmann::json::parse(std::ifstream(folder / "config.json"));
  CHECK(config.at("architectures") == nlohmann::json::array({"BertForMaskedLM"}));
  CHECK(config.at("model_type") == "bert");

  // Tied pair and head tensors hold the trained values.
  auto embeddings = s.model->backbone().input_embeddings().detach().cpu();
  CHECK(torch::equal(file.load("cls.predictions.decoder.weight", torch::kFloat), embeddings));
  CHECK(torch::equal(file.load("cls.predictions.decoder.bias", torch::kFloat),
                     file.load("cls.predictions.bias", torch::kFloat)));
  CHECK(torch::equal(file.load("cls.predictions.bias", torch::kFloat), s.head->lm_head_weights()->bias.detach().cpu()));

  // mtlab's loader (what backbone.checkpoint and from_run use) reads the encoder back exactly.
  auto loaded = BertModel::from_folder(folder);
  std::map<std::string, at::Tensor> mine;
  for (const auto& p : bert.named_parameters()) mine[p.key()] = p.value().detach().cpu();
  std::size_t compared = 0;
  for (const auto& p : loaded->named_parameters()) {
    INFO(p.key());
    REQUIRE(mine.count(p.key()));
    CHECK(torch::equal(p.value(), mine.at(p.key())));
    ++compared;
  }
  CHECK(compared == mine.size());
}

}  // namespace mtlab
