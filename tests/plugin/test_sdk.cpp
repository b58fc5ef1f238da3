// The plugin author's guide, executed: the custom head in docs/plugins.md is
// copied out exactly as written, built against an installed mtlab, and then
// loaded and run.
#include <ATen/ATen.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "mtlab/model/head.h"
#include "mtlab/plugin/registry.h"
#include "run_command.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

namespace {

// Writes every code block preceded by "<!-- file: NAME -->" into `dir`.
int extract_files(const fs::path& markdown, const fs::path& dir) {
  std::ifstream in(markdown);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::regex block(R"(<!-- file: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```)");
  int count = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), block), end; it != end; ++it) {
    std::ofstream((dir / (*it)[1].str()).string()) << (*it)[2].str();
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("the custom head of docs/plugins.md builds against the installed package and runs", "[plugin][sdk][slow]") {
  const fs::path scratch = mtlab::test::scratch_dir("plugin_sdk");
  const fs::path prefix = scratch / "prefix";
  const fs::path project = scratch / "my_head";
  fs::create_directories(project);
  REQUIRE(extract_files(mtlab::test::source_dir() / "docs" / "plugins.md", project) == 2);

  auto installed = run_command("cmake --install " + shell_quote(mtlab::test::binary_dir().string()) + " --prefix " +
                               shell_quote(prefix.string()));
  INFO(installed.output);
  REQUIRE(installed.exit_code == 0);

  auto configured = run_command("cmake -S " + shell_quote(project.string()) + " -B " +
                                shell_quote((project / "build").string()) + " -G Ninja -DCMAKE_BUILD_TYPE=Release" +
                                " -DCMAKE_PREFIX_PATH=" + shell_quote(prefix.string()));
  INFO(configured.output);
  REQUIRE(configured.exit_code == 0);
  auto built = run_command("cmake --build " + shell_quote((project / "build").string()));
  INFO(built.output);
  REQUIRE(built.exit_code == 0);
  const fs::path library = project / "build" / "mtlab_my_head.so";
  REQUIRE(fs::exists(library));

  // The installed runner checks it and finds it through MTLAB_PLUGIN_PATH.
  const std::string exe = shell_quote((prefix / "bin" / "mtlab").string());
  auto checked = run_command(exe + " plugins --check " + shell_quote(library.string()));
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
  CHECK_THAT(checked.output, Contains("ok: head plugin 'mean_max' version 1.0.0"));
  auto listed = run_command("MTLAB_PLUGIN_PATH=" + shell_quote(library.parent_path().string()) + " " + exe + " plugins");
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.output, Contains("mean_max"));

  // Loaded and run: logits of the right shape that ignore padded positions.
  mtlab::plugin::Registry registry;
  registry.load(library);
  auto head = registry.create<mtlab::Head>(mtlab::plugin::Kind::head, "mean_max", mtlab::Config());
  CHECK(head->level() == mtlab::HeadLevel::sequence);
  head->build(8, 3);
  head->eval();
  mtlab::EncoderOutput encoded;
  encoded.token_states = at::randn({2, 5, 8});
  encoded.attention_mask = at::tensor({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, at::kLong).view({2, 5});
  encoded.pooled = at::randn({2, 8});
  const auto logits = head->forward(encoded);
  CHECK(logits.sizes() == at::IntArrayRef({2, 3}));
  auto changed = encoded;
  changed.token_states = encoded.token_states.clone();
  changed.token_states.index_put_({0, 4}, at::full({8}, 100.0));  // a padded position of sentence 0
  CHECK(at::allclose(head->forward(changed), logits));

  // And it trains in a multi-task run next to a shipped head, found through [plugins] paths.
  std::ofstream(scratch / "custom.toml") << "[experiment]\nname = \"custom-head\"\ndatabase = \"custom.db\"\n"
      "[backbone.init]\nhidden_size = 32\nnum_layers = 1\nnum_heads = 2\nintermediate_size = 64\n"
      "[tasks.intent]\nhead = \"mean_max\"\nhead_config = { dropout = 0.0 }\n"
      "[tasks.slots]\nhead = \"token_classification\"\n"
      "[data]\nformat = \"synthetic\"\ntrain_size = 200\ndev_size = 40\ntest_size = 40\n"
      "[training]\nepochs = 1\nbatch_size = 32\n"
      "[plugins]\npaths = [\"my_head/build\"]\n";
  auto ran = run_command("cd " + shell_quote(scratch.string()) + " && " + exe + " run custom.toml --no-progress");
  INFO(ran.output);
  CHECK(ran.exit_code == 0);
  CHECK_THAT(ran.output, Contains("1 completed, 0 failed"));
  auto recorded = run_command(exe + " query " + shell_quote((scratch / "custom.db").string()) +
                              " \"SELECT name, version FROM plugins WHERE kind = 'head' ORDER BY name\" --csv");
  CHECK_THAT(recorded.output, Contains("mean_max,1.0.0") && Contains("token_classification"));
}
