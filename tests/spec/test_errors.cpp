// A table of bad specs, each with the exact messages it must give: file:line:col,
// the key, and what was expected. Every problem is reported, not just the first.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::write_file;

namespace {

struct BadSpec {
  std::string name;
  std::string text;  // the whole spec; "{base}" stands for kMinimalSpec (11 lines)
  std::vector<std::string> expected;  // "{f}" = the spec file, "{d}" = its folder
  std::vector<std::string> overrides = {};
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

const std::string kNoData = R"([experiment]
name = "t"
[tasks.intent]
head = "sequence_classification"
)";

const std::vector<BadSpec> kBadSpecs = {
    {"unknown key, closest suggested", "{base}[training]\nbatch_sise = 8\n",
     {"{f}:13:1: training.batch_sise: unknown key (did you mean 'batch_size'?)"}},
    {"unknown key, no close match", "{base}[training]\nzzz = 8\n",
     {"{f}:13:1: training.zzz: unknown key; expected one of: epochs, max_steps, batch_size, eval_batch_size, freeze, "
      "frozen_cache, frozen_cache_mb, eval_every, metric, metric_mode, early_stopping, patience, save, checkpoint_every, grad_clip, grad_accumulation, "
      "threads, device, precision, log_every"}},
    {"unknown section", "{base}[trainig]\nepochs = 1\n",
     {"{f}:12:2: trainig: unknown key (did you mean 'training'?)"}},
    {"wrong type", "{base}[training]\nbatch_size = \"32\"\n",
     {"{f}:13:1: training.batch_size: expected an integer, got a string \"32\""}},
    {"a table expected", "training = 5\n{base}",
     {"{f}:1:1: training: expected a table, got an integer 5"}},
    {"absurd batch size", "{base}[training]\nbatch_size = 1000000000000\n",
     {"{f}:13:1: training.batch_size: 1000000000000 is out of range, expected an integer in [1, 65536]"}},
    {"absurd layer count", "{base}[backbone.init]\nnum_layers = 1000000\n",
     {"{f}:13:1: backbone.init.num_layers: 1000000 is out of range, expected an integer in [1, 128]"}},
    {"not a finite number", "{base}[optimizer]\nlr = nan\n", {"{f}:13:1: optimizer.lr: nan is not a finite number"}},
    {"not one of the choices", "{base}[optimizer]\nschedule = \"cosin\"\n",
     {"{f}:13:1: optimizer.schedule: 'cosin' is not one of constant, linear, cosine (did you mean 'cosine'?)"}},
    {"training precision not one of fp32 and bf16", "{base}[training]\nprecision = \"int8\"\n",
     {"{f}:13:1: training.precision: 'int8' is not one of fp32, bf16"}},
    {"training precision close to a choice", "{base}[training]\nprecision = \"bf61\"\n",
     {"{f}:13:1: training.precision: 'bf61' is not one of fp32, bf16 (did you mean 'bf16'?)"}},
    {"missing required name", "[experiment]\nseed = 1\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"synthetic\"\n",
     {"{f}:1:2: experiment.name: missing required key, expected a string (the experiment's name)"}},
    {"missing head", "[experiment]\nname = \"t\"\n[tasks.intent]\nloss = \"cross_entropy\"\n[data]\nformat = \"synthetic\"\n",
     {"{f}:3:8: tasks.intent.head: missing required key, expected a head plugin name (e.g. sequence_classification)"}},
    {"no tasks", "[experiment]\nname = \"t\"\n[data]\nformat = \"synthetic\"\n",
     {"{f}: tasks: missing: define at least one task, e.g. [tasks.intent] with head = \"sequence_classification\""}},
    {"a task without data", kNoData,
     {"{f}:3:8: tasks.intent: no data for this task: add [tasks.intent.data] or a shared [data] table"}},
    {"bad task name", "{base}[tasks.\"my task\"]\nhead = \"sequence_classification\"\n",
     {"{f}:12:8: tasks.my task: a task name may hold only letters, digits, '_' and '-'"}},
    {"freeze names a task that does not exist", "{base}[training]\nfreeze = \"head:intnet\"\n",
     {"{f}:13:1: training.freeze: 'head:intnet': no task named 'intnet' (did you mean 'intent'?); tasks: intent, slots"}},
    {"freeze deeper than the backbone", "{base}[training]\nfreeze = \"layers:5\"\n",
     {"{f}:13:1: training.freeze: 'layers:5': K must be an integer in [0, 4] (the backbone's encoder layers)"}},
    {"not a freeze policy", "{base}[training]\nfreeze = \"backbon\"\n",
     {"{f}:13:1: training.freeze: 'backbon' is not a freeze policy, expected none | all | backbone | embeddings | "
      "layers:K | head:NAME (did you mean 'backbone'?)"}},
    {"metric names a metric that does not exist", "{base}[training]\nmetric = \"dev.intent.accuracyy\"\n",
     {"{f}:13:1: training.metric: 'dev.intent.accuracyy': no metric named 'accuracyy' (did you mean 'accuracy'?); "
      "metrics: loss, accuracy, macro_f1, micro_f1, span_f1, span_precision, span_recall, token_accuracy, "
      "sentence_accuracy, masked_accuracy, perplexity"}},
    {"unknown parameter group", "{base}[optimizer.groups]\nbackbone = 1e-5\nintnet = 5e-3\n",
     {"{f}:14:1: optimizer.groups.intnet: no parameter group named 'intnet' (did you mean 'intent'?); groups: "
      "embeddings, encoder, pooler, backbone, heads, intent, slots"}},
    {"a group table with a typo", "{base}[optimizer.groups]\nheads = { lr = 5e-3, decay = 0.1 }\n",
     {"{f}:13:22: optimizer.groups.heads.decay: unknown key; expected one of: lr, weight_decay"}},
    {"heads do not divide the width", "{base}[backbone.init]\nhidden_size = 100\nnum_heads = 3\n",
     {"{f}:14:1: backbone.init.num_heads: num_heads 3 does not divide hidden_size 100"}},
    {"checkpoint and from_run together", "{base}[backbone]\ncheckpoint = \".\"\nfrom_run = \"source\"\n",
     {"{f}:14:1: backbone.from_run: set either backbone.checkpoint or backbone.from_run, not both",
      "{f}:14:1: backbone.from_run: 'source' is not \"<experiment>/<trial>\""}},
    {"bad device", "{base}[training]\ndevice = \"gpu\"\n",
     {"{f}:13:1: training.device: 'gpu' is not a device, expected cpu, cuda, cuda:N or auto"}},
    {"timeout without isolation", "{base}",
     {"--set: experiment.trial_timeout: a trial timeout needs experiment.isolation = \"process\""},
     {"experiment.trial_timeout=60"}},
    {"plugin that does not exist", R"([experiment]
name = "t"
[tasks.intent]
head = "sequence_clasification"
[data]
format = "synthetic"
)",
     {"{f}:4:1: tasks.intent.head: no head plugin named 'sequence_clasification' (did you mean "
      "'sequence_classification'?); available: sequence_classification, token_classification"}},
    {"plugin keys checked against the descriptor",
     "{base}[tasks.intent.head_config]\npoling = \"cls\"\ndropout = \"high\"\n[optimizer]\nepss = 1e-8\n[backbone]\n"
     "do_lower_case = \"yes\"\nattention = \"flash\"\nxyz = 1\n",
     {"{f}:13:1: tasks.intent.head_config.poling: unknown key for head plugin 'sequence_classification' (did you "
      "mean 'pooling'?)",
      "{f}:14:1: tasks.intent.head_config.dropout: expected float (plugin 'sequence_classification' declares it so), "
      "got a string \"high\"",
      "{f}:16:1: optimizer.epss: unknown key (did you mean 'eps'?)",
      "{f}:18:1: backbone.do_lower_case: expected bool (plugin 'bert' declares it so), got a string \"yes\"",
      "{f}:20:1: backbone.xyz: unknown key; expected one of: plugin, checkpoint, from_run, max_length, vocab, init, "
      "or a key of backbone plugin 'bert': attention, do_lower_case"}},
    {"plugin keys checked against their declared ranges and choices",
     "{base}[tasks.intent.head_config]\npooling = \"max\"\ndropout = 1.5\n[backbone.init]\nnum_heads = 0\nwidth = 3\n",
     {"{f}:13:1: tasks.intent.head_config.pooling: 'max' is not one of pooler, cls, mean (did you mean 'mean'?)",
      "{f}:14:1: tasks.intent.head_config.dropout: 1.5 is out of range, expected a number in [0, 1]",
      "{f}:16:1: backbone.init.num_heads: 0 is out of range, expected an integer in [1, 256]",
      "{f}:17:1: backbone.init.width: unknown key for backbone plugin 'bert'; its init keys: hidden_size, num_layers, "
      "num_heads"}},
    {"data file that does not exist",
     "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"tsv\"\ntrain = "
     "\"missing.tsv\"\n",
     {"{f}:7:1: data.train: 'missing.tsv' does not exist (resolved to {d}/missing.tsv)"}},
    {"data without a train split", "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"conll\"\n",
     {"{f}:5:2: data.train: missing required key, expected the training split's path (format 'conll')"}},
    {"a key of another format", "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"synthetic\"\ntag_column = 2\n",
     {"{f}:7:1: data.tag_column: applies to format conll only, not 'synthetic'"}},
    {"unset environment variable",
     "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"tsv\"\ntrain = "
     "\"${MTLAB_TEST_UNSET_VARIABLE}/x.tsv\"\n",
     {"{f}:7:1: data.train: environment variable MTLAB_TEST_UNSET_VARIABLE is not set (used in "
      "\"${MTLAB_TEST_UNSET_VARIABLE}/x.tsv\"); set it or override the value with --set"}},
    {"bad --set value", "{base}", {"--set: training.epochs: -1 is out of range, expected an integer in [0, 100000]"},
     {"training.epochs=-1"}},
    {"unknown sweep key", "{base}[sweep]\ngird = { \"training.epochs\" = [1, 2] }\n",
     {"{f}:13:1: sweep.gird: unknown key (did you mean 'grid'?)"}},
    {"swept key that does not exist", "{base}[sweep]\ngrid = { \"training.freez\" = [\"none\", \"all\"] }\n",
     {"{f}:13:30: training.freez: unknown key (did you mean 'freeze'?)"}},
    {"swept value out of range", "{base}[sweep]\ngrid = { \"training.batch_size\" = [8, 0] }\n",
     {"{f}:13:38: training.batch_size: 0 is out of range, expected an integer in [1, 65536]"}},
    {"zip lists of unequal lengths", "{base}[sweep]\nzip = { \"training.epochs\" = [1, 2], \"training.batch_size\" = [8] }\n",
     {"{f}:13:37: sweep.zip.\"training.batch_size\": zip lists must have equal lengths: 'training.batch_size' has 1, "
      "'training.epochs' has 2"}},
    {"duplicate seed", "{base}[sweep]\nseeds = [1, 2, 1]\n", {"{f}:13:16: sweep.seeds[2]: duplicate value 1 (trials would repeat)"}},
    {"zip tuple repeated", "{base}[sweep]\nzip = { \"training.epochs\" = [1, 2, 1], \"training.batch_size\" = [8, 8, 8] }\n",
     {"{f}:13:36: sweep.zip.\"training.epochs\"[2]: zip position 2 repeats position 0 in every list (trials would repeat)"}},
    {"a key swept twice", "{base}[sweep]\nfreeze = [\"none\"]\ngrid = { \"training.freeze\" = [\"all\"] }\n",
     {"{f}:14:10: sweep.grid.\"training.freeze\": 'training.freeze' is swept twice (by two of presets, grid, zip, search and seeds)"}},
    {"freeze preset with a bad policy", "{base}[sweep]\nfreeze = [\"none\", \"bogus\"]\n",
     {"{f}:13:19: training.freeze: 'bogus' is not a freeze policy, expected none | all | backbone | embeddings | "
      "layers:K | head:NAME"}},
    {"layers preset deeper than the backbone", "{base}[sweep]\nlayers = [0, 2, 5]\n",
     {"{f}:13:17: training.freeze: 'layers:5': K must be an integer in [0, 4] (the backbone's encoder layers)"}},
    {"searched key that does not exist", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lrr\" = { distribution = \"loguniform\", low = 1e-5, high = 1e-3 }\n",
     {"{f}:15:50: optimizer.lrr: unknown key (did you mean 'lr'?)"}},
    {"searched bound outside the key's range", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"uniform\", low = 0.0, high = 20.0 }\n",
     {"{f}:15:57: optimizer.lr: 20 is out of range, expected a number in [0, 10]"}},
    {"search bounds the wrong way round", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"uniform\", low = 0.1, high = 0.01 }\n",
     {"{f}:15:57: sweep.search.\"optimizer.lr\".high: 0.01 is not above low (0.1)"}},
    {"loguniform from zero", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"loguniform\", low = 0.0, high = 0.01 }\n",
     {"{f}:15:49: sweep.search.\"optimizer.lr\".low: 0 is not above 0 (loguniform samples log x)"}},
    {"choice of the wrong type", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"training.freeze\" = { distribution = \"choice\", values = [\"none\", 3] }\n",
     {"{f}:15:66: training.freeze: expected a string, got an integer 3"}},
    {"choice the key refuses", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"training.freeze\" = { distribution = \"choice\", values = [\"none\", \"layers:9\"] }\n",
     {"{f}:15:66: training.freeze: 'layers:9': K must be an integer in [0, 4] (the backbone's encoder layers)"}},
    {"unknown distribution", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"unifrom\", low = 0.0, high = 0.1 }\n",
     {"{f}:15:20: sweep.search.\"optimizer.lr\".distribution: expected distribution = one of uniform, loguniform, int, choice, got \"unifrom\" (did you mean 'uniform'?)"}},
    {"unknown field of a distribution", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"uniform\", lo = 0.0, high = 0.1 }\n",
     {"{f}:15:46: sweep.search.\"optimizer.lr\".lo: unknown key (did you mean 'low'?)"}},
    {"field of another distribution", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"uniform\", low = 0.0, high = 0.1, values = [1] }\n",
     {"{f}:15:69: sweep.search.\"optimizer.lr\".values: does not apply to distribution 'uniform'"}},
    {"int bounds that are not integers", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"training.epochs\" = { distribution = \"int\", low = 1.5, high = 4 }\n",
     {"{f}:15:45: sweep.search.\"training.epochs\".low: expected an integer, got 1.5"}},
    {"step that does not divide the range", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"optimizer.warmup\" = { distribution = \"uniform\", low = 0.0, high = 0.2, step = 0.03 }\n",
     {"{f}:15:73: sweep.search.\"optimizer.warmup\".step: high − low (0.2) is not a multiple of step (0.03)"}},
    {"condition on a key outside the search", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"training.freeze\" = { distribution = \"choice\", values = [\"none\", \"all\"] }\n\"optimizer.layer_decay\" = { distribution = \"uniform\", low = 0.7, high = 1.0, when = { \"training.freez\" = \"none\" } }\n",
     {"{f}:16:87: sweep.search.\"optimizer.layer_decay\".when.\"training.freez\": 'training.freez' is not a key of [sweep.search] (did you mean 'training.freeze'?); a condition names a searched choice or int key"}},
    {"condition on a value its key never takes", "{base}[sweep]\ntrials = 2\n[sweep.search]\n\"training.freeze\" = { distribution = \"choice\", values = [\"none\", \"all\"] }\n\"optimizer.layer_decay\" = { distribution = \"uniform\", low = 0.7, high = 1.0, when = { \"training.freeze\" = \"backbone\" } }\n",
     {"{f}:16:87: sweep.search.\"optimizer.layer_decay\".when.\"training.freeze\": \"backbone\" is not a value 'training.freeze' takes (one of \"none\", \"all\")"}},
    {"search without trials", "{base}[sweep.search]\n\"optimizer.lr\" = { distribution = \"loguniform\", low = 1e-5, high = 1e-3 }\n",
     {"{f}:12:2: sweep.trials: missing: sampler 'random' draws this many configurations from [sweep.search]"}},
    {"grid search without points", "{base}[sweep]\nsampler = \"grid\"\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"loguniform\", low = 1e-5, high = 1e-3 }\n",
     {"{f}:15:1: sweep.search.\"optimizer.lr\": sampler = \"grid\" needs points = K (K values from low to high) for a continuous key"}},
    {"a key both gridded and searched", "{base}[sweep]\ntrials = 2\ngrid = { \"optimizer.lr\" = [1e-3] }\n[sweep.search]\n\"optimizer.lr\" = { distribution = \"loguniform\", low = 1e-5, high = 1e-3 }\n",
     {"{f}:16:1: sweep.search.\"optimizer.lr\": 'optimizer.lr' is swept twice (by two of presets, grid, zip, search and seeds)"}},
    {"trials without a search", "{base}[sweep]\ntrials = 3\n",
     {"{f}:13:1: sweep.trials: applies to [sweep.search], which this spec does not have"}},
    {"every problem reported, in file order",
     "{base}[training]\nbatch_size = 0\nepochs = \"3\"\nfreeze = \"head:nope\"\n[optimizer]\nlr = -1.0\n",
     {"{f}:13:1: training.batch_size: 0 is out of range, expected an integer in [1, 65536]",
      "{f}:14:1: training.epochs: expected an integer, got a string \"3\"",
      "{f}:15:1: training.freeze: 'head:nope': no task named 'nope'; tasks: intent, slots",
      "{f}:17:1: optimizer.lr: -1 is out of range, expected a number in [0, 10]"}},
};

}  // namespace

TEST_CASE("Each bad spec gives exactly its messages", "[spec][errors]") {
  ::unsetenv("MTLAB_TEST_UNSET_VARIABLE");
  const auto dir = test::scratch_dir("spec_errors");
  for (std::size_t i = 0; i < kBadSpecs.size(); ++i) {
    const auto& bad = kBadSpecs[i];
    SECTION(bad.name) {
      const auto file = write_file(dir, "case" + std::to_string(i) + ".toml", replace_all(bad.text, "{base}", test::kMinimalSpec));
      spec::LoadOptions options;
      options.overrides = bad.overrides;
      options.plugins = test::fake_catalog();
      std::vector<std::string> expected;
      for (const auto& e : bad.expected) expected.push_back(replace_all(replace_all(e, "{f}", file.string()), "{d}", dir.string()));
      CHECK(test::errors_of(file, options) == expected);
    }
  }
}

TEST_CASE("A TOML syntax error names file, line and column", "[spec][errors]") {
  const auto dir = test::scratch_dir("spec_syntax");
  const auto file = write_file(dir, "exp.toml", "[experiment]\nname = \"t\"\nseed = = 3\n");
  const auto errors = test::errors_of(file);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind(file.string() + ":3:8: TOML syntax error: ", 0) == 0);
}

TEST_CASE("load_experiment throws one message listing every problem", "[spec][errors]") {
  const auto dir = test::scratch_dir("spec_throw");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + "[training]\nepochs = -1\nbatch_size = 0\n");
  try {
    spec::load_experiment(file);
    FAIL("no error");
  } catch (const mtlab::Error& e) {
    CHECK(std::string(e.what()) ==
          file.string() + ":13:1: training.epochs: -1 is out of range, expected an integer in [0, 100000]\n" +
              file.string() + ":14:1: training.batch_size: 0 is out of range, expected an integer in [1, 65536]");
  }
}

TEST_CASE("Without a catalog plugin names are not checked, with one they are", "[spec][errors]") {
  const auto dir = test::scratch_dir("spec_catalog");
  const auto file = write_file(dir, "exp.toml", test::kMinimalSpec + "[backbone]\nplugin = \"my_encoder\"\n");
  CHECK(test::errors_of(file).empty());
  spec::LoadOptions options;
  options.plugins = test::fake_catalog();
  CHECK(test::errors_of(file, options) ==
        std::vector<std::string>{file.string() + ":13:1: backbone.plugin: no backbone plugin named 'my_encoder'; available: bert"});
}
