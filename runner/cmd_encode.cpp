// `mtlab encode`: sentences in, embeddings out, from a Hugging Face or
// sentence-transformers folder, rows in input order.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "command.h"
#include "precision_options.h"
#include "text_inputs.h"
#include "mtlab/core/error.h"
#include "mtlab/io/safetensors.h"
#include "mtlab/model/backbone.h"
#include "mtlab/model/backbone_folder.h"
#include "mtlab/model/environment.h"
#include "mtlab/model/fast_linear.h"
#include "mtlab/model/sentence_encoder.h"
#include "mtlab/plugin/registry.h"
#include "mtlab/spec/document.h"

namespace mtlab::cli {
namespace {

struct EncodeOptions {
  std::string model;
  std::string experiment;
  std::vector<std::string> texts;
  std::string input;
  std::optional<std::string> pooling;
  bool normalize = false;
  std::int64_t batch_size = 32;
  std::int64_t max_length = 0;
  int threads = 0;
  bool similarity = false;
  std::string format;  // empty: table on a terminal, else jsonl
  std::string output;
  std::string device = "cpu";
  std::string matmul;
  PrecisionOptions precision;
};

std::vector<SentenceInput> read_inputs(const EncodeOptions& o) {
  std::vector<SentenceInput> inputs;
  for (auto& input : read_text_inputs(o.texts, o.input)) inputs.push_back({std::move(input.text), std::move(input.pair)});
  return inputs;
}

std::string floats(const float* v, std::int64_t n) { return fmt::format("{}", fmt::join(v, v + n, ",")); }

// Rows as a compact table: shape first, then each row's leading and trailing values.
void print_table(const at::Tensor& m, const std::vector<SentenceInput>& inputs, const std::string& title) {
  fmt::print("{}: shape [{}, {}]\n", title, m.size(0), m.size(1));
  const auto* p = m.data_ptr<float>();
  const auto cols = m.size(1);
  for (std::int64_t r = 0; r < m.size(0); ++r) {
    const float* row = p + r * cols;
    std::string values;
    if (cols <= 8) {
      for (std::int64_t c = 0; c < cols; ++c) values += fmt::format("{}{:8.4f}", c ? ", " : "", row[c]);
    } else {
      for (int c = 0; c < 4; ++c) values += fmt::format("{}{:8.4f}", c ? ", " : "", row[c]);
      values += ",      ...";
      for (auto c = cols - 3; c < cols; ++c) values += fmt::format(", {:8.4f}", row[c]);
    }
    std::string text = r < static_cast<std::int64_t>(inputs.size()) ? inputs[r].text : "";
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    fmt::print("[{}] [{}]  {}\n", r + 1, values, text);
  }
}

void write_binary(const std::string& path, const std::string& bytes) {
  if (path.empty() || path == "-") {
    if (isatty(STDOUT_FILENO)) throw Error("binary formats (npy, safetensors) need --output FILE");
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    return;
  }
  io::write_file_atomically(path, bytes);
}

// NumPy .npy v1.0: magic, header dict padded so the data starts 64-byte aligned.
std::string npy_bytes(const at::Tensor& m) {
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", m.size(0), m.size(1));
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<std::uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  out.append(static_cast<const char*>(m.data_ptr()), static_cast<std::size_t>(m.numel()) * sizeof(float));
  return out;
}

void write_matrix(const at::Tensor& m, const std::vector<SentenceInput>& inputs, const std::string& format,
                  const std::string& field, const EncodeOptions& o) {
  const auto cols = m.size(1);
  const auto* p = m.data_ptr<float>();
  if (format == "table") {
    print_table(m, inputs, field == "similarity" ? "cosine similarity" : "embeddings");
  } else if (format == "jsonl") {
    for (std::int64_t r = 0; r < m.size(0); ++r) fmt::print("{{\"{}\": [{}]}}\n", field, floats(p + r * cols, cols));
  } else if (format == "csv") {
    for (std::int64_t r = 0; r < m.size(0); ++r) fmt::print("{}\n", floats(p + r * cols, cols));
  } else if (format == "npy") {
    write_binary(o.output, npy_bytes(m));
  } else {  // safetensors
    if (o.output.empty()) throw Error("--format safetensors needs --output FILE");
    io::save_safetensors(o.output, {{field == "similarity" ? "similarity" : "embeddings", m}});
  }
}

void write_tokens(const std::vector<at::Tensor>& rows, const std::string& format, const EncodeOptions& o) {
  if (format == "jsonl" || format == "table") {
    for (const auto& t : rows) {
      std::string line = "{\"token_embeddings\": [";
      for (std::int64_t r = 0; r < t.size(0); ++r) {
        line += fmt::format("{}[{}]", r ? "," : "", floats(t[r].data_ptr<float>(), t.size(1)));
      }
      fmt::print("{}]}}\n", line);
    }
  } else if (format == "safetensors") {
    if (o.output.empty()) throw Error("--format safetensors needs --output FILE");
    NamedTensors named;
    for (std::size_t i = 0; i < rows.size(); ++i) named.emplace_back(fmt::format("token_embeddings.{}", i), rows[i]);
    io::save_safetensors(o.output, named);
  } else {
    throw Error(fmt::format("--pooling none gives one matrix per input; --format {} cannot hold that (use jsonl or "
                            "safetensors)",
                            format));
  }
}

void run(const EncodeOptions& o) {
  if (!o.matmul.empty()) set_matmul_path(matmul_path_from_name(o.matmul));
  set_threads(o.threads);
  const std::string format = !o.format.empty() ? o.format : (isatty(STDOUT_FILENO) ? "table" : "jsonl");
  if ((format == "npy" || format == "safetensors") && o.output.empty() && isatty(STDOUT_FILENO)) {
    throw Error(fmt::format("--format {} is binary: give --output FILE", format));
  }
  std::string model_dir = o.model;
  std::int64_t spec_max_length = 0;
  if (!o.experiment.empty()) {
    // Only the [backbone] table matters here: tasks and data need not be valid to encode.
    const auto doc = spec::load_document(o.experiment);
    const auto backbone = doc.tree.value("backbone", nlohmann::json::object());
    if (!backbone.contains("checkpoint") || !backbone["checkpoint"].is_string()) {
      throw Error(fmt::format("{}: [backbone] has no checkpoint folder to encode with (a from-scratch backbone "
                              "exists only inside a run; pass --model with a saved model folder)",
                              o.experiment));
    }
    // Relative paths in a spec are relative to the spec file's folder.
    std::filesystem::path checkpoint = backbone["checkpoint"].get<std::string>();
    if (checkpoint.is_relative()) checkpoint = std::filesystem::path(o.experiment).parent_path() / checkpoint;
    model_dir = checkpoint.string();
    if (backbone.contains("max_length") && backbone["max_length"].is_number_integer()) {
      spec_max_length = backbone["max_length"].get<std::int64_t>();
    }
  }
  if (model_dir.empty()) throw Error("give --model DIR or --experiment FILE");
  auto folder = read_encoder_folder(model_dir);
  if (spec_max_length > 0) folder.options.max_length = spec_max_length;
  auto options = folder.options;
  if (o.pooling) options.pooling = {pooling_from_name(*o.pooling)};
  if (o.normalize) options.normalize = true;
  if (o.max_length > 0) options.max_length = o.max_length;
  options.batch_size = o.batch_size;
  if (o.similarity && options.pooling.front() == Pooling::none) throw Error("--similarity needs a pooled embedding");

  const auto inputs = read_inputs(o);
  plugin::Registry registry;
  registry.scan(plugin::Registry::default_search_path());
  auto model = load_backbone(registry, folder.transformer_folder, o.device);
  prepare_linear_layers(*model, chosen_precision(o.precision));
  if (isatty(STDERR_FILENO) && inputs.size() > static_cast<std::size_t>(o.batch_size)) {
    options.progress = [](std::size_t done, std::size_t total) {
      const int width = 30;
      const int filled = static_cast<int>(width * done / std::max<std::size_t>(total, 1));
      fmt::print(stderr, "\rencoding [{}{}] {}/{}", std::string(filled, '#'), std::string(width - filled, ' '), done,
                 total);
      if (done == total) fmt::print(stderr, "\n");
    };
  }
  SentenceEncoder encoder(model, options);
  if (options.pooling.front() == Pooling::none) {
    write_tokens(encoder.encode_tokens(inputs), format, o);
    return;
  }
  auto embeddings = encoder.encode(inputs).contiguous();
  if (o.similarity) {
    write_matrix(cosine_similarity_matrix(embeddings).contiguous(), inputs, format, "similarity", o);
  } else {
    write_matrix(embeddings, inputs, format, "embedding", o);
  }
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<EncodeOptions>();
  auto* sub = app.add_subcommand("encode", "Turn sentences into embeddings with a model folder (its config.json's model_type picks the backbone plugin)");
  auto* model = sub->add_option("--model", o->model, "Hugging Face or sentence-transformers folder")
                    ->check(CLI::ExistingDirectory);
  sub->add_option("--experiment", o->experiment, "Experiment TOML whose [backbone] checkpoint to use")
      ->check(CLI::ExistingFile)
      ->excludes(model);
  sub->add_option("texts", o->texts, "Texts to encode (else --input, else stdin, one text per line)");
  sub->add_option("--input", o->input, "File with one text per line, or .jsonl with {\"text\", \"text_pair\"}; - for stdin");
  sub->add_option("--pooling", o->pooling,
                  "pooler | cls | mean | max | mean_sqrt_len | none (default: the folder's sentence-transformers "
                  "pooling, else pooler)")
      ->check(CLI::IsMember({"pooler", "cls", "mean", "max", "mean_sqrt_len", "weightedmean", "lasttoken", "none"}));
  sub->add_flag("--normalize", o->normalize, "Scale each embedding to unit length");
  sub->add_option("--batch-size", o->batch_size, "Sentences per batch")->check(CLI::PositiveNumber);
  sub->add_option("--max-length", o->max_length, "Truncate inputs to this many tokens (specials included)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--threads", o->threads, "LibTorch intra-op threads (default: every core this process may use)")->check(CLI::NonNegativeNumber);
  sub->add_flag("--similarity", o->similarity, "Print the cosine-similarity matrix of the inputs instead");
  sub->add_option("--format", o->format, "table | jsonl | csv | npy | safetensors (default: table on a terminal, else jsonl)")
      ->check(CLI::IsMember({"table", "jsonl", "csv", "npy", "safetensors"}));
  sub->add_option("--output", o->output, "File for npy / safetensors output");
  sub->add_option("--device", o->device, "cpu | cuda | cuda:N");
  sub->add_option("--matmul", o->matmul, "Linear-layer kernels: onednn | blas (default: onednn when available)")
      ->check(CLI::IsMember({"onednn", "blas"}));
  add_precision_options(*sub, o->precision);
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("encode", 30, setup);

}  // namespace
}  // namespace mtlab::cli
