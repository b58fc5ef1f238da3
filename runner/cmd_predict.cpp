// `mtlab predict`: label new sentences with a trained multi-task model — a
// model folder, or a run id looked up in a results database.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command.h"
#include "precision_options.h"
#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/model/environment.h"
#include "mtlab/storage/results_store.h"
#include "mtlab/train/predictor.h"
#include "text_inputs.h"

namespace mtlab::cli {
namespace {

struct PredictOptions {
  std::string model;
  std::string database;
  std::int64_t run = 0;
  std::vector<std::string> texts;
  std::string input;
  std::string format;
  std::size_t batch_size = 32;
  int threads = 0;
  PrecisionOptions precision;
};

nlohmann::json to_json(const SentencePrediction& p) {
  nlohmann::json j = {{"text", p.text}};
  for (const auto& [task, label] : p.labels) j[task] = {{"label", label.label}, {"probability", label.probability}};
  for (const auto& [task, tags] : p.tags) {
    nlohmann::json entities = nlohmann::json::array();
    for (const auto& e : p.entities.at(task)) {
      entities.push_back({{"type", e.type}, {"text", e.text}, {"start", e.begin}, {"end", e.end}});
    }
    j[task] = {{"words", p.words}, {"tags", tags}, {"entities", entities}};
  }
  return j;
}

void print_table(const std::vector<SentencePrediction>& predictions) {
  for (const auto& p : predictions) {
    fmt::print("{}\n", p.text);
    for (const auto& [task, label] : p.labels) fmt::print("  {}: {} ({:.3f})\n", task, label.label, label.probability);
    for (const auto& [task, tags] : p.tags) {
      std::string entities;
      for (const auto& e : p.entities.at(task)) entities += fmt::format(" [{}: {}]", e.type, e.text);
      fmt::print("  {}: {}\n", task, entities.empty() ? " (no entities)" : entities);
      std::string line;
      for (std::size_t i = 0; i < p.words.size(); ++i) line += fmt::format(" {}/{}", p.words[i], tags[i]);
      fmt::print("   {}\n", line);
    }
  }
}

void run(const PredictOptions& o) {
  if (o.model.empty() == (o.run == 0)) throw Error("give either --model FOLDER or --run ID with --db DATABASE");
  if (o.run != 0 && o.database.empty()) throw Error("--run needs --db DATABASE");
  set_threads(o.threads);
  const auto folder = o.model.empty()
                          ? storage::open_store(o.database, storage::StoreMode::read_only)->saved_model_folder(o.run)
                          : std::filesystem::path(o.model);
  plugin::Registry registry;
  registry.scan(plugin::Registry::default_search_path());
  const Predictor predictor = Predictor::load(folder, registry, "cpu", chosen_precision(o.precision));
  std::vector<std::string> texts;
  for (const auto& input : read_text_inputs(o.texts, o.input)) texts.push_back(input.text);
  const auto predictions = predictor.predict(texts, o.batch_size);
  const std::string format = !o.format.empty() ? o.format : (isatty(STDOUT_FILENO) ? "table" : "jsonl");
  if (format == "table") {
    print_table(predictions);
  } else {
    for (const auto& p : predictions) fmt::print("{}\n", to_json(p).dump());
  }
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<PredictOptions>();
  auto* sub = app.add_subcommand("predict", "Label sentences with a trained multi-task model (labels, tags, entities)");
  sub->add_option("texts", o->texts, "Sentences (words separated by spaces)");
  sub->add_option("--model", o->model, "A model folder saved by a run (…/run-N/model)");
  sub->add_option("--run", o->run, "A run id whose saved model to use (with --db)");
  sub->add_option("--db", o->database, "The results store holding --run: a SQLite file or a postgresql:// URL");
  sub->add_option("--input", o->input, "One sentence per line, or .jsonl with \"text\"; - for stdin");
  sub->add_option("--format", o->format, "table (default on a terminal) or jsonl")->check(CLI::IsMember({"table", "jsonl"}));
  sub->add_option("--batch-size", o->batch_size, "Sentences per batch")->check(CLI::Range(1, 4096));
  sub->add_option("--threads", o->threads, "LibTorch threads (0: every core this process may use)")->check(CLI::Range(0, 1024));
  add_precision_options(*sub, o->precision);
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("predict", 7, setup);

}  // namespace
}  // namespace mtlab::cli
