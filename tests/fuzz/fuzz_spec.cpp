// The experiment spec validator, as `mtlab validate` runs it: parse the TOML,
// follow `extends`, apply --set overrides, expand the sweep, resolve and
// validate every trial (spec::check_experiment), then print the trials.
// Input: the spec file; each line "#set key=value" (a TOML comment, so the
// file parses the same) is also passed as a --set override. Plugins come from
// a fixed catalog shaped like the shipped plugins, so plugin names and their
// own keys are validated without loading any library. A fixed base spec,
// base.toml, lies next to the input for `extends = "base.toml"`.
#include "fuzz_support.h"
#include "mtlab/core/error.h"
#include "mtlab/spec/experiment.h"
#include "mtlab/spec/trial_format.h"

namespace mtlab::fuzz {
namespace {

std::vector<plugin::PluginInfo> fuzz_plugins() {
  using plugin::Kind;
  auto info = [](Kind kind, const char* name, std::vector<plugin::KeyInfo> keys) {
    plugin::PluginInfo p;
    p.kind = kind;
    p.name = name;
    p.version = "1.0.0";
    p.keys = std::move(keys);
    p.file = std::string("mtlab_") + name + ".so";
    p.sha256 = std::string(64, '0');
    return p;
  };
  return {
      info(Kind::backbone, "bert",
           {{"checkpoint", "string", "", ""}, {"max_length", "int", "0", ""}, {"dtype", "string", "\"float32\"", ""},
            {"device", "string", "\"cpu\"", ""}, {"init", "table", "", ""}, {"vocab", "string", "", ""},
            {"vocab_min_frequency", "int", "2", ""}, {"vocab_max_size", "int", "30522", ""},
            {"do_lower_case", "bool", "true", ""}}),
      info(Kind::head, "sequence_classification",
           {{"pooling", "string", "\"pooler\"", ""}, {"hidden_layers", "list<int>", "[]", ""},
            {"activation", "string", "\"gelu\"", ""}, {"dropout", "float", "0.1", ""}}),
      info(Kind::head, "token_classification",
           {{"hidden_layers", "list<int>", "[]", ""}, {"activation", "string", "\"gelu\"", ""},
            {"dropout", "float", "0.1", ""}}),
      info(Kind::loss, "cross_entropy", {{"label_smoothing", "float", "0.0", ""}, {"class_weights", "list<float>", "[]", ""}}),
      info(Kind::loss, "focal", {{"gamma", "float", "2.0", ""}, {"alpha", "float", "1.0", ""}}),
      info(Kind::loss, "bce_with_logits", {{"pos_weight", "float", "1.0", ""}}),
      info(Kind::optimizer, "adamw", {{"betas", "list<float>", "[0.9, 0.999]", ""}, {"eps", "float", "1e-8", ""}}),
      info(Kind::optimizer, "sgd",
           {{"momentum", "float", "0.0", ""}, {"dampening", "float", "0.0", ""}, {"nesterov", "bool", "false", ""}}),
  };
}

constexpr std::string_view kBaseSpec = R"(# base.toml: what an input may extend
[experiment]
seed = 13
[backbone]
plugin = "bert"
[backbone.init]
hidden_size = 16
num_layers = 2
[data]
format = "synthetic"
[training]
epochs = 1
batch_size = 4
)";

}  // namespace

int fuzz_spec_one(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  spec::LoadOptions options;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line.starts_with("#set ")) options.overrides.emplace_back(line.substr(5));
    start = end + 1;
  }
  static const auto plugins = fuzz_plugins();
  options.plugins = [](const std::vector<std::filesystem::path>&) { return plugins; };
  options.check_files = true;
  // Sweeps of up to 64 trials: beyond, the loop over trials only repeats, and inputs that
  // expand to thousands of trials (each with problems) took seconds apiece and came to
  // dominate the corpus. Bigger sweeps take the over-limit error path instead.
  options.max_trials = 64;
  static const auto base = write_scratch("spec/base.toml", kBaseSpec);
  const auto file = write_scratch("spec/experiment.toml", text);
  const spec::CheckResult result = spec::check_experiment(file, options);
  // check_experiment reports every problem as a diagnostic and never throws for one.
  if (result.ok()) {
    MTLAB_FUZZ_CHECK(!result.experiment.trials.empty());
    spec::format_trials(result.experiment);
  } else {
    MTLAB_FUZZ_CHECK(result.experiment.trials.empty());
    for (const auto& d : result.errors) MTLAB_FUZZ_CHECK(!d.message.empty());
    spec::format_diagnostics(result.errors);
  }
  return 0;
}

}  // namespace mtlab::fuzz

MTLAB_FUZZ_TARGET(mtlab::fuzz::fuzz_spec_one)
