// Reduced precision in training and prediction on a tiny real model:
// training.precision = "bf16" (CPU autocast, fp32 master weights) trains, and a
// saved model predicts the same labels with bf16 or int8 linear layers as in fp32.
#include <catch2/catch.hpp>

#include "mtlab/model/precision.h"
#include "mtlab/train/model_checkpoint.h"
#include "mtlab/train/predictor.h"
#include "training_fixture.h"

using namespace mtlab;

namespace {

TrainerOptions options_with(TrainingPrecision precision) {
  TrainerOptions o;
  o.epochs = 6;
  o.batch_size = 16;
  o.save = SaveModel::none;
  o.progress = false;
  o.seed = 11;
  o.precision = precision;
  return o;
}

std::vector<double> train_losses(const test::MemoryRecorder& recorder) {
  std::vector<double> out;
  for (const auto& r : recorder.rows) {
    if (r.split == "train" && r.task.empty() && r.name == "loss") out.push_back(r.value);
  }
  return out;
}

bool cpu_has_bf16() { return missing_support(Precision::bf16, cpu_features()).empty(); }

}  // namespace

TEST_CASE("a bf16 training run of a tiny model completes and its loss decreases", "[train][precision]") {
  auto run = [](TrainingPrecision precision) {
    auto setup = test::make_tiny_setup(3, 400);
    test::MemoryRecorder recorder;
    auto inputs = setup.inputs("none");
    const auto result = train(inputs, options_with(precision), recorder);
    return std::make_tuple(train_losses(recorder), result, recorder.facts);
  };
  const auto [bf16, bf16_result, facts] = run(TrainingPrecision::bf16);
  REQUIRE(bf16.size() > 20);
  CHECK(bf16.back() < 0.7 * bf16.front());
  CHECK(bf16_result.test.at("slots.token_accuracy") > 0.6);
  if (!cpu_has_bf16()) {
    CHECK(facts.at("training.precision") == "fp32");  // told, and trained in fp32
    return;
  }
  CHECK(facts.at("training.precision") == "bf16");
  const auto [fp32, fp32_result, fp32_facts] = run(TrainingPrecision::fp32);
  CHECK(fp32_facts.at("training.precision") == "fp32");
  REQUIRE(fp32.size() == bf16.size());
  CHECK(fp32.front() != bf16.front());  // the bf16 forward really ran in bf16 ...
  CHECK(std::abs(fp32.front() - bf16.front()) < 0.05 * fp32.front());  // ... and computes the same loss to bf16's precision
  WARN("final train loss fp32 " << fp32.back() << ", bf16 " << bf16.back() << "; test slot token accuracy fp32 "
                                << fp32_result.test.at("slots.token_accuracy") << ", bf16 "
                                << bf16_result.test.at("slots.token_accuracy"));
}

TEST_CASE("a saved model predicts the same labels with bf16 or int8 linear layers", "[train][precision][predict]") {
  auto setup = test::make_tiny_setup(3, 400);
  test::MemoryRecorder recorder;
  auto inputs = setup.inputs("none");
  auto options = options_with(TrainingPrecision::fp32);
  train(inputs, options, recorder);
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& t : setup.tasks) {
    tasks.push_back({{"name", t.name},
                     {"level", t.level == HeadLevel::token ? "token" : "sentence"},
                     {"head", t.level == HeadLevel::token ? "token_classification" : "sequence_classification"},
                     {"head_config", {{"dropout", 0.1}}},
                     {"loss", "cross_entropy"},
                     {"labels", t.labels.labels()}});
  }
  const auto folder = test::scratch_dir("precision_predict") / "model";
  save_model_folder(*setup.model, {{"backbone", {{"plugin", "bert"}}}, {"tasks", tasks}}, folder);

  std::vector<std::string> texts;
  for (const auto& e : setup.datasets[0].test) texts.push_back(e.text);
  const auto fp32 = Predictor::load(folder, test::shipped_plugins()).predict(texts);
  for (auto precision : {Precision::bf16, Precision::int8}) {
    if (!missing_support(precision, cpu_features()).empty()) continue;
    const auto other = Predictor::load(folder, test::shipped_plugins(), "cpu", precision).predict(texts);
    std::size_t labels = 0, same_labels = 0, tags = 0, same_tags = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      ++labels;
      same_labels += fp32[i].labels.at("intent").label == other[i].labels.at("intent").label;
      const auto& a = fp32[i].tags.at("slots");
      const auto& b = other[i].tags.at("slots");
      for (std::size_t w = 0; w < a.size(); ++w, ++tags) same_tags += a[w] == b[w];
    }
    INFO(precision_name(precision) << ": intents " << same_labels << "/" << labels << ", tags " << same_tags << "/"
                                   << tags);
    CHECK(same_labels >= 0.995 * static_cast<double>(labels));
    CHECK(same_tags >= 0.995 * static_cast<double>(tags));
  }
}
