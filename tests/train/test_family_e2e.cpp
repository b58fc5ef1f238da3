// The quickstart's freeze presets from each encoder family's tiny Hugging Face
// fixture: the folder alone picks its plugin (config.json's model_type), and
// every scenario trains, with layer-wise decay and the frozen-prefix cache on.
#include <catch2/catch.hpp>

#include <fstream>

#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

TEST_CASE("a transfer freeze sweep runs from each family's fixture folder", "[e2e][family]") {
  for (const std::string family : {"bert", "distilbert", "electra", "roberta"}) {
    INFO(family);
    const auto dir = mtlab::test::scratch_dir("family_sweep_" + family);
    const auto fixture = mtlab::test::fixtures_dir() / ("tiny-" + family);
    std::ofstream(dir / "exp.toml") << "[experiment]\nname = \"transfer\"\nseed = 13\n"
                                    << "[backbone]\ncheckpoint = \"" << fixture.string() << "\"\nmax_length = 32\n"
                                    << "[tasks.intent]\nhead = \"sequence_classification\"\n"
                                    << "[tasks.slots]\nhead = \"token_classification\"\n"
                                    << "[data]\nformat = \"synthetic\"\ntrain_size = 64\ndev_size = 32\ntest_size = 32\n"
                                    << "[optimizer]\nlr = 1e-3\nlayer_decay = 0.8\n"
                                    << "[training]\nepochs = 1\nbatch_size = 16\nfrozen_cache = true\n"
                                    << "[sweep]\nfreeze = \"scenarios\"\n";
    const auto result = run_command(shell_quote(mtlab::test::mtlab_executable().string()) + " run " +
                                    shell_quote((dir / "exp.toml").string()) + " --no-progress");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.output, Contains("6 completed, 0 failed"));
    const auto db = mtlab::storage::Database::open_read_only(dir / "results.db");
    const auto plugins = mtlab::storage::run_read_only_query(
        db, "SELECT count(*) FROM params WHERE key = 'backbone.plugin' AND value_text = '" + family + "'");
    CHECK(std::get<std::int64_t>(plugins.rows.at(0).at(0)) == 6);
  }
}
