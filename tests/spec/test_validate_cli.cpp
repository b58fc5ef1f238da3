// `mtlab validate` end to end: exit codes, "ok: N trials", every error printed,
// --set, --trials, and --print-reference.
#include <catch2/catch.hpp>

#include "mtlab/spec/reference.h"
#include "run_command.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

namespace {

std::string mtlab_cmd(const std::string& args) { return shell_quote(test::mtlab_executable().string()) + " " + args; }

}  // namespace

TEST_CASE("mtlab validate says ok and counts the trials", "[cli][validate]") {
  const auto dir = test::scratch_dir("cli_validate_ok");
  const auto file = test::write_file(dir, "exp.toml", test::kMinimalSpec + "[sweep]\nfreeze = \"scenarios\"\nseeds = [1, 2]\n");
  const auto r = run_command(mtlab_cmd("validate --skip-plugins " + shell_quote(file.string())));
  CHECK(r.exit_code == 0);
  CHECK(r.output == "ok: 12 trials\n");
}

TEST_CASE("mtlab validate prints every problem and exits 1", "[cli][validate]") {
  const auto dir = test::scratch_dir("cli_validate_bad");
  const auto file = test::write_file(dir, "exp.toml", test::kMinimalSpec + "[training]\nbatch_sise = 8\nepochs = -1\n");
  const auto r = run_command(mtlab_cmd("validate --skip-plugins " + shell_quote(file.string())));
  CHECK(r.exit_code == 1);
  CHECK(r.output == file.string() + ":13:1: training.batch_sise: unknown key (did you mean 'batch_size'?)\n" +
                        file.string() + ":14:1: training.epochs: -1 is out of range, expected an integer in [0, 100000]\n" +
                        file.string() + ": 2 problems\n");
}

TEST_CASE("mtlab validate applies --set and lists trials with --trials", "[cli][validate]") {
  const auto dir = test::scratch_dir("cli_validate_set");
  const auto file = test::write_file(dir, "exp.toml", test::kMinimalSpec);
  auto r = run_command(mtlab_cmd("validate --skip-plugins " + shell_quote(file.string()) + " --set training.batch_size=0"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--set: training.batch_size: 0 is out of range, expected an integer in [1, 65536]\n") == 0);

  r = run_command(mtlab_cmd("validate --skip-plugins --trials " + shell_quote(file.string()) +
                            " --set 'sweep.layers=[0,1]'"));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("experiment t: 2 trials\n  [1/2] layers=0  hash ") == 0);
  CHECK(r.output.find("      training.freeze = \"layers:1\"\n") != std::string::npos);
  CHECK(r.output.size() > 12);
  CHECK(r.output.substr(r.output.size() - 13) == "ok: 2 trials\n");
}

TEST_CASE("mtlab validate --print-reference prints the generated reference", "[cli][validate]") {
  const auto r = run_command(mtlab_cmd("validate --print-reference"));
  CHECK(r.exit_code == 0);
  CHECK(r.output == spec::reference_markdown());
}

TEST_CASE("mtlab validate checks plugin names and keys against the shipped plugins", "[cli][validate]") {
  const auto dir = test::scratch_dir("cli_validate_plugins");
  // The defaults name bert, adamw and cross_entropy: all found on the built-in plugin folder.
  auto file = test::write_file(dir, "ok.toml", test::kMinimalSpec + "[optimizer]\neps = 1e-6\n[tasks.intent.head_config]\npooling = \"cls\"\n");
  auto r = run_command(mtlab_cmd("validate " + shell_quote(file.string())));
  CHECK(r.output == "ok: 1 trial\n");
  CHECK(r.exit_code == 0);

  file = test::write_file(dir, "bad.toml", test::kMinimalSpec + "[backbone]\nplugin = \"bret\"\n[optimizer]\nepss = 1e-6\n");
  r = run_command(mtlab_cmd("validate " + shell_quote(file.string())));
  CHECK(r.exit_code == 1);
  CHECK(r.output == file.string() + ":13:1: backbone.plugin: no backbone plugin named 'bret' (did you mean 'bert'?); available: bert, distilbert, electra, roberta\n" +
                        file.string() + ":15:1: optimizer.epss: unknown key (did you mean 'eps'?)\n" +
                        file.string() + ": 2 problems\n");
}

TEST_CASE("mtlab validate --trials lists the shipped random search on ATIS", "[cli][validate][search]") {
  // experiments/search_atis.toml with the real plugins and data: 12 sampled configurations,
  // the same on every run; its conditional key marked where its condition does not hold.
  const auto spec = test::source_dir() / "experiments" / "search_atis.toml";
  const std::string cmd = "MTLAB_DATA=" + shell_quote(test::data_dir().string()) + " " +
                          mtlab_cmd("validate --trials " + shell_quote(spec.string()));
  const auto r = run_command(cmd);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("experiment atis-search: 12 trials\n  [1/12] lr=") == 0);
  CHECK(r.output.find("(default: its condition does not hold)") != std::string::npos);
  CHECK(r.output.substr(r.output.size() - 14) == "ok: 12 trials\n");
  CHECK(run_command(cmd).output == r.output);
}
