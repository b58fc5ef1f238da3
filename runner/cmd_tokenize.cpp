// `mtlab tokenize`: texts in, the model folder's tokenizer output out (tokens,
// input_ids, token_type_ids, attention_mask), one record per input, in order.
// The backbone plugin named by config.json's model_type (or --backbone) reads it.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "command.h"
#include "text_inputs.h"
#include "mtlab/core/error.h"
#include "mtlab/model/backbone_folder.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/text/tokenizer.h"
#include "mtlab/text/display_width.h"

namespace mtlab::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string backbone;  // empty: config.json's model_type
  std::vector<std::string> texts;
  std::string input;
  std::optional<std::string> pair;
  std::int64_t max_length = 0;
  std::string format;  // empty: table on a terminal, else jsonl
  bool no_special_tokens = false;
  bool padding = false;
};

using Input = TextInput;

std::vector<Input> read_inputs(const TokenizeOptions& o) {
  std::vector<Input> inputs = read_text_inputs(o.texts, o.input);
  if (o.pair) {
    for (auto& input : inputs) {
      if (input.pair) throw Error(fmt::format("{}: has its own \"text_pair\" and --pair was given too", input.source));
      input.pair = *o.pair;
    }
  }
  return inputs;
}

// Texts may hold tabs and newlines (from JSONL); keep a table on one line each.
std::string escape_controls(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

// Rows of aligned columns, wrapped to blocks of at most `width` columns.
void print_table(const Input& input, std::size_t index, const Encoding& e, bool show_types, bool show_mask) {
  fmt::print("[{}] {}{}\n", index + 1, escape_controls(input.text),
             input.pair ? " ||| " + escape_controls(*input.pair) : std::string());
  std::vector<std::pair<std::string, std::vector<std::string>>> rows = {{"token", e.tokens}, {"id", {}}};
  for (auto id : e.input_ids) rows[1].second.push_back(std::to_string(id));
  if (show_types) {
    rows.push_back({"type", {}});
    for (auto t : e.token_type_ids) rows.back().second.push_back(std::to_string(t));
  }
  if (show_mask) {
    rows.push_back({"mask", {}});
    for (auto m : e.attention_mask) rows.back().second.push_back(std::to_string(m));
  }
  std::vector<std::size_t> widths(e.size(), 0);
  for (const auto& [label, cells] : rows) {
    for (std::size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], display_width(cells[i]));
  }
  constexpr std::size_t kLineWidth = 100, kLabelWidth = 7;
  std::size_t begin = 0;
  do {
    std::size_t end = begin, used = kLabelWidth;
    while (end < e.size() && (end == begin || used + widths[end] + 2 <= kLineWidth)) used += widths[end++] + 2;
    for (const auto& [label, cells] : rows) {
      std::string line = fmt::format("  {:<5}", label);
      for (std::size_t i = begin; i < end; ++i) {
        line += "  " + cells[i];
        if (i + 1 < end) line.append(widths[i] - display_width(cells[i]), ' ');
      }
      fmt::print("{}\n", line);
    }
    begin = end;
  } while (begin < e.size());
}

void run(const TokenizeOptions& o) {
  plugin::Registry registry;
  registry.scan(plugin::Registry::default_search_path());
  const auto& plugin = o.backbone.empty() ? backbone_plugin_for(o.model, registry)
                                          : registry.find(plugin::Kind::backbone, o.backbone);
  const auto tokenizer = load_tokenizer(registry, plugin, o.model);
  const auto inputs = read_inputs(o);
  EncodeOptions encode_options;
  encode_options.add_special_tokens = !o.no_special_tokens;
  encode_options.max_length = o.max_length;
  std::vector<Encoding> encodings;
  encodings.reserve(inputs.size());
  for (const auto& input : inputs) {
    try {
      encodings.push_back(input.pair ? tokenizer->encode_pair(input.text, *input.pair, encode_options)
                                     : tokenizer->encode(input.text, encode_options));
    } catch (const Error&) {
      rethrow_with_context(input.source);
    }
  }
  if (o.padding) tokenizer->pad(encodings);

  const std::string format = !o.format.empty() ? o.format : (isatty(STDOUT_FILENO) ? "table" : "jsonl");
  if (format == "jsonl") {
    for (const auto& e : encodings) {
      nlohmann::ordered_json j;
      j["tokens"] = e.tokens;
      j["input_ids"] = e.input_ids;
      j["token_type_ids"] = e.token_type_ids;
      j["attention_mask"] = e.attention_mask;
      fmt::print("{}\n", j.dump());
    }
    return;
  }
  const bool any_pair = std::any_of(inputs.begin(), inputs.end(), [](const Input& i) { return i.pair.has_value(); });
  for (std::size_t i = 0; i < encodings.size(); ++i) {
    if (i > 0) fmt::print("\n");
    print_table(inputs[i], i, encodings[i], any_pair, o.padding);
  }
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<TokenizeOptions>();
  auto* sub = app.add_subcommand("tokenize", "Tokenize texts as the model's Hugging Face tokenizer does (tokens and ids)");
  sub->add_option("--model", o->model, "Model or tokenizer folder (bert: needs vocab.txt; reads tokenizer_config.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("--backbone", o->backbone,
                  "Backbone plugin whose tokenizer reads the folder (default: config.json's model_type)");
  sub->add_option("texts", o->texts, "Texts to tokenize (else --input, else stdin, one text per line)");
  sub->add_option("--input", o->input,
                  "Input file: plain text, one text per line, or .jsonl with {\"text\": ..., \"text_pair\": ...}; "
                  "'-' reads stdin");
  sub->add_option_function<std::string>(
      "--pair", [o](const std::string& pair) { o->pair = pair; }, "Second text of a pair, for every input");
  sub->add_option("--max-length", o->max_length,
                  "Truncate to this many tokens in total, specials included (longest_first for pairs); 0 = no limit")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--padding", o->padding, "Pad every input to the longest, with [PAD] and attention_mask 0");
  sub->add_flag("--no-special-tokens", o->no_special_tokens, "Leave out [CLS] and [SEP]");
  sub->add_option("--format", o->format, "table (default on a terminal) or jsonl (default otherwise)")
      ->check(CLI::IsMember({"table", "jsonl"}));
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("tokenize", 20, setup);

}  // namespace
}  // namespace mtlab::cli
