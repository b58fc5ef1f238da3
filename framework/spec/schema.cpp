#include "mtlab/spec/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "mtlab/options/data_formats.h"
#include "mtlab/spec/prune.h"
#include "mtlab/options/trial_options.h"
#include "mtlab/spec/experiment.h"
#include "search_space.h"

namespace mtlab::spec {
namespace {

using T = ValueType;
using detail::Distribution;
using detail::Sampler;
using detail::SearchSpec;

// The TOML text of a default taken from the option structs (mtlab/options/trial_options.h),
// kept for the program's lifetime (a deque never moves its strings).
std::string_view owned(std::string text) {
  static std::deque<std::string> store;
  return store.emplace_back(std::move(text));
}
std::string_view toml(bool v) { return v ? "true" : "false"; }
std::string_view toml(std::int64_t v) { return owned(std::to_string(v)); }
std::string_view toml(std::uint64_t v) { return owned(std::to_string(v)); }
std::string_view toml(const std::string& v) { return owned(nlohmann::json(v).dump()); }
template <class E>
  requires std::is_enum_v<E>
std::string_view toml(E v) {
  return toml(std::string(enum_name(v)));
}
std::string_view toml(const std::vector<std::string>& v) { return owned(nlohmann::json(v).dump()); }
// A float as the reference writes it: "1.0", "0.01", "5e-5".
std::string_view toml(double v) {
  std::string text = fmt::format("{}", v);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  if (const auto e = text.find('e'); e != std::string::npos) {  // fmt writes "5e-05"
    std::size_t digit = e + 1 + (text[e + 1] == '-' || text[e + 1] == '+');
    while (digit + 1 < text.size() && text[digit] == '0') text.erase(digit, 1);
  }
  return owned(std::move(text));
}

std::vector<std::string_view> format_choices() {
  const auto& formats = data_formats();
  return {formats.begin(), formats.end()};
}

// Keys of a data table; the same table serves [data] and [tasks.NAME.data].
std::vector<KeySpec> data_keys(std::string_view prefix) {
  // The readers' keys (docs/data.md) with their help; the formats that read each, its
  // bounds, choices and default come from the home the readers use (mtlab/options/data_formats.h).
  const DataDefaults dd = kDataDefaults;
  static const std::vector<KeySpec> keys = {
      {.key = "format", .type = T::string, .help = "Reader for the files: joint (ATIS/SNIPS folders: seq.in, seq.out, label), conll (column files), tsv, csv, jsonl, text (one unlabelled text per line, for masked-LM tasks), or synthetic (generated intent/slot data). docs/data.md describes each.", .required = true,
       .choices = format_choices()},
      {.key = "train", .type = T::path, .help = "Training split: a file, or a folder for joint.", .path = PathRule::must_exist},
      {.key = "dev", .type = T::path, .help = "Development split (evaluation during training, model selection); absent: none.", .path = PathRule::must_exist},
      {.key = "test", .type = T::path, .help = "Test split, evaluated at the end with the selected model; absent: none.", .path = PathRule::must_exist},
      {.key = "encoding", .type = T::string, .default_toml = toml(std::string(dd.encoding)), .help = "Text encoding; latin-1 reads any byte (TREC has a byte that is not UTF-8)."},
      {.key = "dev_fraction", .type = T::number, .default_toml = toml(dd.dev_fraction), .help = "Carve this fraction of train out as dev by a seeded shuffle (0: none); not with dev."},
      {.key = "split_seed", .type = T::integer, .default_toml = toml(dd.split_seed), .help = "Seed of the dev_fraction shuffle."},
      {.key = "limit_train", .type = T::integer, .default_toml = toml(dd.limit), .help = "Keep only the first N training examples (0: all); for quick runs and tests."},
      {.key = "limit_dev", .type = T::integer, .default_toml = toml(dd.limit), .help = "Keep only the first N dev examples (0: all)."},
      {.key = "limit_test", .type = T::integer, .default_toml = toml(dd.limit), .help = "Keep only the first N test examples (0: all)."},
      {.key = "scheme", .type = T::string, .default_toml = toml(std::string(dd.scheme)), .help = "Tag scheme of the files: bio (= iob2) or iob1 (converted to BIO when read)."},
      {.key = "words_file", .type = T::string, .default_toml = toml(std::string(dd.words_file)), .help = "joint: the file of space-separated words in each split folder."},
      {.key = "tags_file", .type = T::string, .default_toml = toml(std::string(dd.tags_file)), .help = "joint: the file of tags, one per word, line-aligned with words_file."},
      {.key = "label_file", .type = T::string, .default_toml = toml(std::string(dd.label_file)), .help = "joint: the file of sentence labels, line-aligned with words_file."},
      {.key = "word_column", .type = T::integer, .default_toml = toml(dd.word_column), .help = "conll: the column holding the word (0-based; negative counts from the end)."},
      {.key = "tag_column", .type = T::integer, .default_toml = toml(dd.tag_column), .help = "conll: the column holding the tag (-1: the last)."},
      {.key = "separator", .type = T::string, .help = "Field separator: one character, \"tab\" or \"space\"; absent: a tab for tsv, a comma for csv, runs of whitespace for conll."},
      {.key = "header", .type = T::boolean, .default_toml = toml(dd.header), .help = "tsv/csv: the first line names the columns."},
      {.key = "text_column", .type = T::index_or_name, .default_toml = toml(dd.text_column), .help = "tsv/csv: the text column, an index (0-based; negative from the end) or, with a header, a name."},
      {.key = "label_column", .type = T::index_or_name, .default_toml = toml(dd.label_column), .help = "tsv/csv: the label column, an index or a name (-1: the last)."},
      {.key = "columns", .type = T::integer, .default_toml = toml(dd.columns), .help = "tsv: split each line into exactly N fields, the text absorbing extra separators (SST-5, TREC: 2); 0: as many as the first line."},
      {.key = "label_field", .type = T::string, .default_toml = toml(std::string(dd.label_field)), .help = "tsv/csv: whole, coarse (the part before label_delimiter: TREC-6) or fine (the whole field: TREC-50)."},
      {.key = "label_delimiter", .type = T::string, .default_toml = toml(std::string(dd.label_delimiter)), .help = "tsv/csv: where label_field = \"coarse\" cuts a label."},
      {.key = "text_key", .type = T::string, .default_toml = toml(std::string(dd.text_key)), .help = "jsonl: the field holding a sentence."},
      {.key = "label_key", .type = T::string, .default_toml = toml(std::string(dd.label_key)), .help = "jsonl: the field holding the sentence label."},
      {.key = "tokens_key", .type = T::string, .default_toml = toml(std::string(dd.tokens_key)), .help = "jsonl: the field holding a list of words."},
      {.key = "tags_key", .type = T::string, .default_toml = toml(std::string(dd.tags_key)), .help = "jsonl: the field holding one tag per word."},
      {.key = "seed", .type = T::integer, .default_toml = toml(dd.seed), .help = "synthetic: the generator's seed (the data, not the training)."},
      {.key = "train_size", .type = T::integer, .default_toml = toml(dd.train_size), .help = "synthetic: training sentences to generate."},
      {.key = "dev_size", .type = T::integer, .default_toml = toml(dd.dev_size), .help = "synthetic: development sentences."},
      {.key = "test_size", .type = T::integer, .default_toml = toml(dd.test_size), .help = "synthetic: test sentences."},
      {.key = "noise", .type = T::number, .default_toml = toml(dd.noise), .help = "synthetic: fraction of deliberately ambiguous sentences."},
  };
  // Owns the prefixed key strings for the program's lifetime (a deque never moves them).
  static std::deque<std::string> owned;
  std::vector<KeySpec> out;
  for (KeySpec k : keys) {
    const DataKeyRule& rule = data_key_rule(k.key);  // formats, bounds and choices live there
    k.formats = rule.formats;
    k.min = rule.min;
    k.max = rule.max;
    if (!rule.choices.empty()) k.choices = rule.choices;
    owned.push_back(std::string(prefix) + std::string(k.key));
    k.key = owned.back();
    out.push_back(k);
  }
  if (out.size() != data_key_rules().size()) throw std::logic_error("schema: the data keys differ from data_key_rules()");
  return out;
}

std::vector<KeySpec> build_schema() {
  const TrialOptions d{};     // the defaults of every framework key
  const TaskOptions task{};  // and of a task's keys
  std::vector<KeySpec> s = {
      // [experiment]
      {.key = "experiment", .type = T::table, .help = "What the experiment is and where its records go."},
      {.key = "experiment.name", .type = T::string, .help = "The experiment's name in the results database (trials are grouped by it).", .required = true},
      {.key = "experiment.description", .type = T::string, .default_toml = toml(d.experiment.description), .help = "Free text stored with the experiment."},
      {.key = "experiment.seed", .type = T::integer, .default_toml = toml(d.experiment.seed), .help = "Seed for initialisation, data order and dropout; sweep.seeds repeats trials over several.", .min = 0, .max = 4294967295.0},
      {.key = "experiment.database", .type = T::path, .default_toml = toml(d.experiment.database), .help = "Results store: a SQLite file (created when missing), or a PostgreSQL database, postgresql://user@host:port/db (password from PGPASSWORD or ~/.pgpass, never in the URL).", .path = PathRule::output, .url_schemes = {"postgresql://", "postgres://"}},
      {.key = "experiment.output", .type = T::path, .default_toml = toml(d.experiment.output), .help = "Folder for checkpoints and artifacts, one sub-folder per run.", .path = PathRule::output},
      {.key = "experiment.isolation", .type = T::string, .default_toml = toml(d.experiment.isolation), .help = "none: trials run in the runner's process; process: each trial in a child process, so a crash fails one trial, not the sweep.", .choices = enum_choices<Isolation>()},
      {.key = "experiment.trial_timeout", .type = T::integer, .default_toml = toml(d.experiment.trial_timeout), .help = "Seconds a trial may run before it is stopped and marked failed (0: no limit; needs isolation = \"process\").", .min = 0, .max = 31536000},
      {.key = "experiment.heartbeat_timeout", .type = T::integer, .default_toml = toml(d.experiment.heartbeat_timeout), .help = "Seconds a running trial may go without a heartbeat (sent every quarter of this) before another worker counts it dead and claims it again; on the run's own host a dead process is seen at once.", .min = 4, .max = 86400, .hashed = false},
      {.key = "experiment.max_retries", .type = T::integer, .default_toml = toml(d.experiment.max_retries), .help = "How many times a trial whose worker died is claimed again (resumed from its checkpoint when the output folder is shared, else restarted) before it is marked failed.", .min = 0, .max = 1000, .hashed = false},
      {.key = "experiment.distributed_timeout", .type = T::integer, .default_toml = toml(d.experiment.distributed_timeout), .help = "Data-parallel runs (mtlab run --nproc, torchrun's or Slurm's variables): seconds a rank waits for its peers (forming the group, a collective, rank 0's next trial) before the trial fails; a peer that dies is noticed at once. Read from the first trial.", .min = 1, .max = 86400, .hashed = false},

      // [backbone]
      {.key = "backbone", .type = T::table, .help = "The shared encoder. Keys not listed here belong to the backbone plugin and are checked against its declared keys (mtlab plugins --describe bert); the plugin receives this table.", .plugin_kind = "backbone", .plugin_key = "plugin"},
      {.key = "backbone.plugin", .type = T::string, .default_toml = "\"bert\"", .help = "Backbone plugin name (mtlab plugins lists them).", .plugin_kind = "backbone"},
      {.key = "backbone.checkpoint", .type = T::path, .help = "A Hugging Face (or sentence-transformers) folder to start from; absent: a new backbone from [backbone.init] and vocab.", .path = PathRule::must_exist},
      {.key = "backbone.from_run", .type = T::string, .help = "Start from the saved model of an earlier run, \"<experiment>/<trial>\", looked up in the results database; excludes checkpoint; \"\" unsets it."},
      {.key = "backbone.max_length", .type = T::integer, .default_toml = "128", .help = "Longest input in WordPiece tokens, [CLS] and [SEP] included; longer inputs are truncated (and counted). 0: the model's limit.", .min = 0, .max = 8192},
      {.key = "backbone.vocab", .type = T::path, .help = "A new backbone's vocab.txt (or a folder holding one), or \"build\" to build a WordPiece vocabulary from the training text.", .path = PathRule::must_exist, .keyword = "build"},
      {.key = "backbone.init", .type = T::table, .help = "Architecture of a new (randomly initialised) backbone, without checkpoint or from_run. Its keys are the backbone plugin's init.NAME keys, checked against what it declares (mtlab plugins --describe bert: hidden_size, num_layers, num_heads, intermediate_size, max_position_embeddings, type_vocab_size, hidden_act, dropout, attention_dropout, layer_norm_eps, initializer_range)."},

      // [tasks.NAME]
      {.key = "tasks", .type = T::named_tables, .help = "One table per task, [tasks.NAME]; NAME (letters, digits, _ and -) names the task in metrics, freeze policies and learning-rate groups. Required, unless the experiment is an [embed] experiment."},
      {.key = "tasks.*", .type = T::table, .help = "One task: a head on the shared encoder, its loss and its data."},
      {.key = "tasks.*.head", .type = T::string, .help = "Head plugin: sequence_classification (on the pooled output), token_classification (on token states), masked_lm (masked-LM pretraining on the task's text), crf (a linear-chain CRF on token states, with its own loss), or a custom one.", .required = true, .plugin_kind = "head"},
      {.key = "tasks.*.loss", .type = T::string, .default_toml = toml(task.loss), .help = "Loss plugin: cross_entropy, bce_with_logits, focal, or a custom one; not for a head with its own loss (crf).", .plugin_kind = "loss"},
      {.key = "tasks.*.level", .type = T::string, .default_toml = toml(task.level), .help = "What the task predicts: sentence (one label) or token (one tag per word); \"\": the level the head plugin declares (mtlab plugins --describe), else the head's own.", .choices = enum_choices<TaskLevel>()},
      {.key = "tasks.*.weight", .type = T::number, .default_toml = toml(task.weight), .help = "Static weight of this task's loss in the total (total = Σ weight·loss).", .min = 0, .max = 1e6},
      {.key = "tasks.*.metrics", .type = T::string_list, .default_toml = toml(task.metrics), .help = "Metrics to record ([]: accuracy and macro_f1 for sentence tasks; span_f1, span_precision, span_recall and token_accuracy for token tasks; masked_accuracy and perplexity for masked-LM tasks).",
       .choices = {"loss", "accuracy", "macro_f1", "micro_f1", "span_f1", "span_precision", "span_recall", "token_accuracy", "sentence_accuracy", "masked_accuracy", "perplexity"}},
      {.key = "tasks.*.batch_size", .type = T::integer, .default_toml = toml(task.batch_size), .help = "This task's batch size when tasks have their own data (0: training.batch_size).", .min = 0, .max = 65536},
      {.key = "tasks.*.data", .type = T::table, .help = "This task's own data (heterogeneous multi-task); absent: the shared [data]. Same keys as [data]."},
      {.key = "tasks.*.masking", .type = T::table, .help = "How a masked-LM task (head = \"masked_lm\") masks its inputs, drawn anew every epoch from experiment.seed (docs/pretraining.md)."},
      {.key = "tasks.*.masking.probability", .type = T::number, .default_toml = toml(task.masking.probability), .help = "Share of tokens (of words, with whole_word) chosen for prediction; special tokens and padding never are.", .min = 0.001, .max = 1},
      {.key = "tasks.*.masking.mask_fraction", .type = T::number, .default_toml = toml(task.masking.mask_fraction), .help = "Of the chosen tokens, the share replaced by the mask token.", .min = 0, .max = 1},
      {.key = "tasks.*.masking.random_fraction", .type = T::number, .default_toml = toml(task.masking.random_fraction), .help = "Of the chosen tokens, the share replaced by a random token (the rest stays unchanged); mask_fraction + random_fraction <= 1.", .min = 0, .max = 1},
      {.key = "tasks.*.masking.whole_word", .type = T::boolean, .default_toml = toml(task.masking.whole_word), .help = "Choose whole words: all pieces of a chosen word are predicted together."},
      {.key = "tasks.*.head_config", .type = T::plugin_options, .help = "The head plugin's own keys (e.g. pooling, hidden_layers, dropout); the head receives this table.", .plugin_kind = "head", .plugin_key = "head"},
      {.key = "tasks.*.loss_config", .type = T::plugin_options, .help = "The loss plugin's own keys (e.g. label_smoothing, class_weights); the loss receives this table.", .plugin_kind = "loss", .plugin_key = "loss"},

      // [data]
      {.key = "data", .type = T::table, .help = "Data shared by every task without its own [tasks.NAME.data] (joint data: a sentence label and word tags on the same sentences)."},
  };
  for (auto& k : data_keys("data.")) s.push_back(k);
  const auto task_data = data_keys("tasks.*.data.");
  const auto insert_at = std::find_if(s.begin(), s.end(), [](const KeySpec& k) { return k.key == "tasks.*.data"; });
  s.insert(insert_at + 1, task_data.begin(), task_data.end());

  const std::vector<KeySpec> rest = {
      // [optimizer]
      {.key = "optimizer", .type = T::table, .help = "The optimizer, its parameter groups and the learning-rate schedule. Keys not listed here belong to the optimizer plugin (adam and adamw: betas, eps, amsgrad, fused; sgd: momentum, dampening, nesterov) and are checked against its declared keys; the plugin receives those.", .plugin_kind = "optimizer", .plugin_key = "plugin"},
      {.key = "optimizer.plugin", .type = T::string, .default_toml = toml(d.optimizer.plugin), .help = "Optimizer plugin: adamw, adam, sgd, or a custom one.", .plugin_kind = "optimizer"},
      {.key = "optimizer.lr", .type = T::number, .default_toml = toml(d.optimizer.lr), .help = "Base learning rate (heads and any parameter no group claims).", .min = 0, .max = 10},
      {.key = "optimizer.weight_decay", .type = T::number, .default_toml = toml(d.optimizer.weight_decay), .help = "Weight decay of every group that sets none.", .min = 0, .max = 10},
      {.key = "optimizer.decay_bias_and_norm", .type = T::boolean, .default_toml = toml(d.optimizer.decay_bias_and_norm), .help = "Also decay biases and LayerNorm weights (by default they get no weight decay)."},
      {.key = "optimizer.layer_decay", .type = T::number, .default_toml = toml(d.optimizer.layer_decay), .help = "Layer-wise decay: encoder layer l of L gets lr·decay^(L−l), the embeddings lr·decay^(L+1), heads lr (1.0: off).", .min = 0, .max = 1},
      {.key = "optimizer.schedule", .type = T::string, .default_toml = toml(d.optimizer.schedule.kind), .help = "Learning-rate schedule after warm-up: constant, linear (decay to 0) or cosine.", .choices = enum_choices<ScheduleKind>()},
      {.key = "optimizer.warmup", .type = T::number, .default_toml = toml(d.optimizer.schedule.warmup), .help = "Linear warm-up: below 1, a fraction of the total steps; 1 or more, a number of steps.", .min = 0, .max = 1e9},
      {.key = "optimizer.groups", .type = T::table, .help = "Per-group learning rates: a group name = a rate, or = { lr, weight_decay }. Groups: embeddings, encoder, pooler, backbone (all three), heads, or a task name (its head). A narrower group wins over a wider one."},
      {.key = "optimizer.groups.*", .type = T::number_or_table, .help = "A group's learning rate, or a table { lr, weight_decay }.", .min = 0, .max = 10},
      {.key = "optimizer.groups.*.lr", .type = T::number, .help = "The group's learning rate.", .min = 0, .max = 10},
      {.key = "optimizer.groups.*.weight_decay", .type = T::number, .help = "The group's weight decay.", .min = 0, .max = 10},

      // [training]
      {.key = "training", .type = T::table, .help = "The training loop."},
      {.key = "training.epochs", .type = T::integer, .default_toml = toml(d.training.epochs), .help = "Passes over the training data (an epoch of mixed datasets: see sampling.steps_per_epoch).", .min = 0, .max = 100000},
      {.key = "training.max_steps", .type = T::integer, .default_toml = toml(d.training.max_steps), .help = "Stop after this many optimizer steps (0: epochs decide).", .min = 0, .max = 1e9},
      {.key = "training.batch_size", .type = T::integer, .default_toml = toml(d.training.batch_size), .help = "Examples per batch (per optimizer step: batch_size·grad_accumulation).", .min = 1, .max = 65536},
      {.key = "training.eval_batch_size", .type = T::integer, .default_toml = toml(d.training.eval_batch_size), .help = "Examples per evaluation batch (0: batch_size).", .min = 0, .max = 65536},
      {.key = "training.freeze", .type = T::string, .default_toml = toml(d.training.freeze.text()), .help = "Freeze policy: none, all (evaluate only), backbone, embeddings, layers:K (embeddings and the bottom K encoder layers), head:NAME (one task's head)."},
      {.key = "training.frozen_cache", .type = T::boolean, .default_toml = toml(d.training.frozen_cache), .help = "With a frozen prefix (freeze = backbone, all, embeddings or layers:K), compute its output once per input and reuse it every epoch and across the sweep's trials with the same frozen weights; only the trainable top runs per step (docs/training.md)."},
      {.key = "training.frozen_cache_mb", .type = T::integer, .default_toml = toml(d.training.frozen_cache_mb), .help = "Memory limit of the frozen-prefix cache in MB, shared by the sweep; past it, other prefixes are dropped, then further inputs are computed at every use.", .min = 0, .max = 1048576},
      {.key = "training.eval_every", .type = T::integer, .default_toml = toml(d.training.eval_every), .help = "Evaluate on dev every N steps, as well as at each epoch end (0: epoch ends only).", .min = 0, .max = 1e9},
      {.key = "training.metric", .type = T::string, .default_toml = toml(d.training.metric), .help = "The dev metric that selects the best checkpoint and drives early stopping: dev.loss or dev.TASK.METRIC."},
      {.key = "training.metric_mode", .type = T::string, .default_toml = toml(d.training.metric_mode), .help = "Whether training.metric is better high or low (auto: min for a loss or a perplexity, max otherwise).", .choices = enum_choices<MetricMode>()},
      {.key = "training.early_stopping", .type = T::boolean, .default_toml = toml(d.training.early_stopping), .help = "Stop when training.metric has not improved for `patience` evaluations."},
      {.key = "training.patience", .type = T::integer, .default_toml = toml(d.training.patience), .help = "Evaluations without improvement before early stopping.", .min = 1, .max = 1e6},
      {.key = "training.save", .type = T::string, .default_toml = toml(d.training.save), .help = "Which model to save as a Hugging Face folder plus heads: best (by training.metric), last, or none.", .choices = enum_choices<SaveModel>()},
      {.key = "training.checkpoint_every", .type = T::integer, .default_toml = toml(d.training.checkpoint_every), .help = "Save a resume checkpoint every N steps (0: at each epoch end).", .min = 0, .max = 1e9},
      {.key = "training.grad_clip", .type = T::number, .default_toml = toml(d.training.grad_clip), .help = "Clip the global gradient norm to this (0: no clipping).", .min = 0, .max = 1e6},
      {.key = "training.grad_accumulation", .type = T::integer, .default_toml = toml(d.training.grad_accumulation), .help = "Batches whose gradients are summed before each optimizer step.", .min = 1, .max = 4096},
      {.key = "training.threads", .type = T::integer, .default_toml = toml(d.training.threads), .help = "CPU threads for LibTorch (0: all the cores this process may use, or OMP_NUM_THREADS when set — run --workers and --nproc set it to each child's share); recorded with the run.", .min = 0, .max = 1024},
      {.key = "training.device", .type = T::string, .default_toml = toml(d.training.device), .help = "Where to train: cpu, cuda, cuda:N or auto (cuda when available)."},
      {.key = "training.precision", .type = T::string, .default_toml = toml(d.training.precision), .help = "Precision of the training steps' forward and backward passes: fp32, or bf16 (CPU autocast: linear layers and matrix products in bf16 on AVX512_BF16/AMX, fp32 master weights and optimizer; fp32 with a warning where the CPU lacks bf16). Evaluation and the saved model stay fp32 (docs/performance.md).", .choices = enum_choices<TrainingPrecision>()},
      {.key = "training.log_every", .type = T::integer, .default_toml = toml(d.training.log_every), .help = "Record per-group gradient norms and learning rates every N steps (losses are recorded every step).", .min = 1, .max = 1e9},

      // [embed]
      {.key = "embed", .type = T::table, .help = "An embedding experiment (the seed's Task 1) instead of training: the backbone encodes these sentences; each run records the embeddings (an artifact) and their cosine similarities (metrics similarity.I.J, split embed)."},
      {.key = "embed.sentences", .type = T::string_list, .help = "The sentences to encode (at least one)."},
      {.key = "embed.pooling", .type = T::string, .help = "pooler (BERT's pooler output, the default), cls, mean or max.", .choices = {"pooler", "cls", "mean", "max"}},
      {.key = "embed.normalize", .type = T::boolean, .help = "Scale each embedding to unit length (default false)."},

      // [sampling], [weighting], [unfreeze]
      {.key = "sampling", .type = T::table, .help = "How batches of tasks with their own data are interleaved (heterogeneous multi-task)."},
      {.key = "sampling.rule", .type = T::string, .default_toml = toml(d.sampling.rule), .help = "round_robin (one batch of each task in turn), proportional (to dataset size) or temperature (size^(1/T)).", .choices = enum_choices<SamplingRule>()},
      {.key = "sampling.temperature", .type = T::number, .default_toml = toml(d.sampling.temperature), .help = "T for the temperature rule (1: proportional; large: uniform).", .min = 0.01, .max = 1000},
      {.key = "sampling.steps_per_epoch", .type = T::integer, .default_toml = toml(d.sampling.steps_per_epoch), .help = "Batches in an epoch of mixed tasks (0: the sum of every task's batches).", .min = 0, .max = 1e9},
      {.key = "weighting", .type = T::table, .help = "How task losses are combined."},
      {.key = "weighting.method", .type = T::string, .default_toml = toml(d.weighting.method), .help = "static (tasks.NAME.weight) or uncertainty (learned log-variances, Kendall et al. 2018, recorded as metrics).", .choices = enum_choices<WeightingMethod>()},
      {.key = "weighting.init_log_variance", .type = T::number, .default_toml = toml(d.weighting.init_log_variance), .help = "uncertainty: the starting log-variance of every task.", .min = -20, .max = 20},
      {.key = "unfreeze", .type = T::table, .help = "Gradual unfreezing (ULMFiT): layer groups join training from the top down."},
      {.key = "unfreeze.every", .type = T::integer, .default_toml = toml(d.unfreeze.every), .help = "One more group becomes trainable every N units (0: off).", .min = 0, .max = 1e9},
      {.key = "unfreeze.unit", .type = T::string, .default_toml = toml(d.unfreeze.unit), .help = "What every counts: epochs or steps.", .choices = enum_choices<UnfreezeUnit>()},
      {.key = "unfreeze.group_size", .type = T::integer, .default_toml = toml(d.unfreeze.group_size), .help = "Encoder layers per group (the embeddings are the last group).", .min = 1, .max = 128},

      // [plugins]
      {.key = "plugins", .type = T::table, .help = "Where to find plugins beyond the default search path."},
      {.key = "plugins.paths", .type = T::path_list, .default_toml = "[]", .help = "Plugin folders or library files, searched before MTLAB_PLUGIN_PATH and the built-in folder.", .path = PathRule::must_exist},

      // [sweep]
      {.key = "sweep", .type = T::table, .help = "Expands the spec into trials: presets × grid × zip × search × seeds. Each trial is named by its swept values."},
      {.key = "sweep.grid", .type = T::sweep_table, .default_toml = "{}", .help = "Cartesian product: { \"dotted.key\" = [values…], … }; the first key varies slowest."},
      {.key = "sweep.zip", .type = T::sweep_table, .default_toml = "{}", .help = "Lists advanced together (equal lengths): { \"a.key\" = [1, 2], \"b.key\" = [3, 4] } gives 2 trials."},
      {.key = "sweep.seeds", .type = T::integer_list, .default_toml = "[]", .help = "Repeat every trial once per seed (sets experiment.seed); []: no repeats.", .min = 0, .max = 4294967295.0},
      {.key = "sweep.freeze", .type = T::string_or_list, .help = "Freeze-scenario preset over training.freeze: a list of policies, or \"scenarios\" for none, all, backbone, embeddings and head:NAME for every task; []: off."},
      {.key = "sweep.layers", .type = T::integer_list, .default_toml = "[]", .help = "Transfer-depth preset: training.freeze = \"layers:K\" for each K (with sweep.freeze, one dimension of both); []: off.", .min = 0, .max = kMaxEncoderLayers},
      {.key = "sweep.search", .type = T::search_table, .default_toml = "{}", .help = "Search instead of a grid: { \"dotted.key\" = { distribution = …, … }, … }, one table per key (below); sweep.sampler draws the configurations, one dimension of the product; {}: off."},
      {.key = "sweep.sampler", .type = T::string, .default_toml = toml(SearchSpec{}.sampler), .help = "How sweep.search is sampled: random (independent draws of SplitMix64), sobol (a scrambled Sobol' sequence: evener coverage, best with a power of two of trials; at most 32 keys) or grid (every combination: choice and int keys in full, continuous keys at points = K).", .choices = enum_choices<Sampler>()},
      {.key = "sweep.trials", .type = T::integer, .help = "How many distinct configurations random and sobol draw from sweep.search (each then repeated per seed of sweep.seeds); required with them; not with grid, which takes its every combination.", .min = 1, .max = static_cast<double>(kMaxTrials)},
      {.key = "sweep.search_seed", .type = T::integer, .help = "Seed of the random draws and of sobol's scramble: the same spec and seed give the same trials on every host. Absent: experiment.seed as the spec sets it (or its default), not a seed of sweep.seeds.", .min = 0, .max = 4294967295.0},
      {.key = "sweep.search.*", .type = T::table, .help = "One searched key: NAME is a dotted config key (quoted, \"optimizer.lr\", or nested tables), its value a table of the keys below. Every value it may take — its bounds, each choice — is validated as that key, where it is written."},
      {.key = "sweep.search.*.distribution", .type = T::string, .help = "uniform (low to high), loguniform (uniform in log x, for learning rates), int (the integers low to high) or choice (one of values, each equally likely).", .required = true, .choices = enum_choices<Distribution>()},
      {.key = "sweep.search.*.low", .type = T::number, .help = "uniform, loguniform, int: the smallest value (loguniform: above 0; int: an integer)."},
      {.key = "sweep.search.*.high", .type = T::number, .help = "uniform, loguniform, int: the largest value, above low (int: an integer)."},
      {.key = "sweep.search.*.step", .type = T::number, .help = "uniform: only low + k·step (high − low a multiple of step); int: every step-th integer from low (an integer; default 1)."},
      {.key = "sweep.search.*.log", .type = T::boolean, .default_toml = "false", .help = "int: uniform in log k, P(k) ∝ log((k+1)/k) (low 1 or more, no step)."},
      {.key = "sweep.search.*.values", .type = T::value_list, .help = "choice: the values (distinct strings, numbers, booleans or lists)."},
      {.key = "sweep.search.*.points", .type = T::integer, .help = "uniform, loguniform, with sampler = \"grid\": K values evenly spaced from low to high (on the log scale for loguniform); not with step.", .min = 2, .max = static_cast<double>(kMaxTrials)},
      {.key = "sweep.search.*.when", .type = T::condition_table, .help = "Sample this key only where another searched key (a choice or int without a when of its own) takes a value, or one of a list: { \"training.freeze\" = \"none\" }; elsewhere the key keeps its default (the trial's name leaves it out). Several keys: each must hold."},
      {.key = "sweep.prune", .type = T::table, .help = "Stop weak trials early (docs/search.md): each trial is judged on training.metric (dev) at rungs of epochs or steps, against the values other trials of the experiment recorded at the same rung; a stopped trial ends as pruned, its metrics and resume checkpoint kept. Absent: every trial runs to its end."},
      {.key = "sweep.prune.method", .type = T::string, .help = "asha: asynchronous successive halving (Li et al. 2020): at rung k (min_resource·eta^k) a trial in the top 1/eta of the rung goes on, the others pause, and a paused trial is promoted (resumed from its checkpoint) once it is in the top 1/eta of a fuller rung. median: at every rung past min_resource, a trial whose best value is worse than the median of the other trials' values there stops for good (Optuna's MedianPruner).", .required = true, .choices = enum_choices<PruneMethod>()},
      {.key = "sweep.prune.resource", .type = T::string, .default_toml = toml(PruneSpec{}.resource), .help = "What a rung counts: epochs (judged at epoch ends), or optimizer steps (judged at the dev evaluations of training.eval_every).", .choices = enum_choices<PruneResource>()},
      {.key = "sweep.prune.min_resource", .type = T::integer, .default_toml = toml(PruneSpec{}.min_resource), .help = "The first rung, in epochs or steps (median: no trial is pruned before it).", .min = 1, .max = 1e9},
      {.key = "sweep.prune.max_resource", .type = T::integer, .default_toml = toml(PruneSpec{}.max_resource), .help = "Where a trial completes (trained no further, evaluated and saved as a completed run); 0: the trial's own length, training.epochs or its steps. Rungs lie below it.", .min = 0, .max = 1e9},
      {.key = "sweep.prune.eta", .type = T::integer, .default_toml = toml(PruneSpec{}.eta), .help = "asha: the reduction factor: rungs at min_resource·eta^k, and the top 1/eta of a rung go on.", .min = 2, .max = 100},
      {.key = "sweep.prune.interval", .type = T::integer, .default_toml = toml(PruneSpec{}.interval), .help = "median: a rung every this many epochs or steps from min_resource.", .min = 1, .max = 1e9},
      {.key = "sweep.prune.min_trials", .type = T::integer, .default_toml = toml(PruneSpec{}.min_trials), .help = "median: how many other trials' values a rung needs before it prunes (Optuna's n_startup_trials).", .min = 1, .max = 100000},
  };
  s.insert(s.end(), rest.begin(), rest.end());
  return s;
}

}  // namespace

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> table = build_schema();
  return table;
}

const KeySpec* find_key_spec(std::string_view pattern) {
  // Looked up for every key of every trial: an index, not a scan of the schema.
  static const auto index = [] {
    std::unordered_map<std::string_view, const KeySpec*> out;
    for (const auto& k : schema()) out.emplace(k.key, &k);  // the first of a repeated key wins, as before
    return out;
  }();
  const auto it = index.find(pattern);
  return it == index.end() ? nullptr : it->second;
}

const std::vector<std::string>& unhashed_keys() {
  static const auto keys = [] {
    std::vector<std::string> out;
    for (const auto& k : schema()) {
      if (!k.hashed) out.emplace_back(k.key);
    }
    return out;
  }();
  return keys;
}

std::vector<std::string> child_keys(std::string_view table_pattern) {
  std::vector<std::string> out;
  const std::string prefix = table_pattern.empty() ? "" : std::string(table_pattern) + ".";
  for (const auto& k : schema()) {
    if (k.key.size() <= prefix.size() || k.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view rest = k.key.substr(prefix.size());
    if (rest.find('.') == std::string_view::npos && rest != "*") out.emplace_back(rest);
  }
  return out;
}

std::string type_name(ValueType type) {
  switch (type) {
    case T::boolean: return "boolean";
    case T::integer: return "integer";
    case T::number: return "float";
    case T::string: return "string";
    case T::path: return "path";
    case T::string_list: return "list of strings";
    case T::integer_list: return "list of integers";
    case T::number_list: return "list of floats";
    case T::path_list: return "list of paths";
    case T::table: return "table";
    case T::named_tables: return "tables by name";
    case T::plugin_options: return "table (plugin keys)";
    case T::number_or_table: return "float or table";
    case T::string_or_list: return "string or list of strings";
    case T::sweep_table: return "table of lists";
    case T::search_table: return "table of distributions";
    case T::value_list: return "list of values";
    case T::condition_table: return "table of values";
    case T::index_or_name: return "integer or string";
  }
  return "value";
}

}  // namespace mtlab::spec
