// The quickstart, shortened with --set, end to end: the source run, then the
// freeze sweep on the transfer target with its lineage on record.
#include <catch2/catch.hpp>

#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"

using Catch::Matchers::Contains;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

TEST_CASE("the quickstart runs end to end with fewer steps", "[e2e][quickstart]") {
  const auto dir = mtlab::test::scratch_dir("quickstart");
  const auto experiments = mtlab::test::source_dir() / "experiments";
  const std::string common = " --no-progress --set experiment.database=" + shell_quote((dir / "qs.db").string()) +
                             " --set experiment.output=" + shell_quote((dir / "runs").string()) +
                             " --set training.epochs=1";
  const std::string exe = shell_quote(mtlab::test::mtlab_executable().string());
  auto source = run_command(exe + " run " + shell_quote((experiments / "quickstart-source.toml").string()) + common +
                            " --set data.train_size=300");
  INFO(source.output);
  REQUIRE(source.exit_code == 0);
  auto sweep = run_command(exe + " run " + shell_quote((experiments / "quickstart.toml").string()) + common +
                           " --set 'sweep.seeds=[1]'");
  INFO(sweep.output);
  REQUIRE(sweep.exit_code == 0);
  CHECK_THAT(sweep.output, Contains("6 completed, 0 failed") && Contains("freeze=head:slots") &&
                               Contains("test.sentence_accuracy") && Contains("mtlab compare"));

  const auto db = mtlab::storage::Database::open_read_only(dir / "qs.db");
  auto lineage = mtlab::storage::run_read_only_query(
      db, "SELECT count(*) FROM runs r JOIN runs p ON p.id = r.parent_run_id JOIN experiments e ON e.id = p.experiment_id "
          "WHERE e.name = 'quickstart-source' AND length(r.init_checkpoint_sha256) = 64");
  CHECK(std::get<std::int64_t>(lineage.rows.at(0).at(0)) == 6);
}

TEST_CASE("from_run names a run that does not exist: the trial is not run, and says why", "[e2e][quickstart]") {
  const auto dir = mtlab::test::scratch_dir("quickstart_missing_source");
  const auto spec = mtlab::test::source_dir() / "experiments" / "quickstart.toml";
  auto result = run_command(shell_quote(mtlab::test::mtlab_executable().string()) + " run " +
                            shell_quote(spec.string()) + " --no-progress --set 'sweep.seeds=[1]' --set 'sweep.freeze=[\"none\"]'" +
                            " --set experiment.database=" + shell_quote((dir / "empty.db").string()));
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output, Contains("backbone.from_run: no completed run of 'quickstart-source/default'") &&
                                Contains("run that experiment first"));
}

TEST_CASE("the seed's Task 1 spec records the embeddings and their similarities in SQLite", "[e2e][embed]") {
  const auto dir = mtlab::test::scratch_dir("task1_embeddings");
  const auto spec = mtlab::test::source_dir() / "experiments" / "seed" / "task1_embeddings.toml";
  auto result = run_command("MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) + " " +
                            shell_quote(mtlab::test::mtlab_executable().string()) + " run " + shell_quote(spec.string()) +
                            " --no-progress --set experiment.database=" + shell_quote((dir / "t1.db").string()) +
                            " --set experiment.output=" + shell_quote((dir / "runs").string()) +
                            " --set embed.pooling=mean");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("embeddings [4, 64]"));
  const auto db = mtlab::storage::Database::open_read_only(dir / "t1.db");
  auto rows = mtlab::storage::run_read_only_query(
      db, "SELECT count(*), sum(CASE WHEN name IN ('similarity.0.0', 'similarity.3.3') AND abs(value - 1) < 1e-5 "
          "THEN 1 ELSE 0 END), max(CASE WHEN name = 'similarity.0.3' THEN value END) FROM metrics WHERE split = 'embed'");
  CHECK(std::get<std::int64_t>(rows.rows.at(0).at(0)) == 16);
  CHECK(std::get<std::int64_t>(rows.rows.at(0).at(1)) == 2);
  CHECK(std::get<double>(rows.rows.at(0).at(2)) < 0.9999);  // mean pooling tells the sentences apart
  auto artifact = mtlab::storage::run_read_only_query(db, "SELECT count(*) FROM artifacts WHERE kind = 'embeddings'");
  CHECK(std::get<std::int64_t>(artifact.rows.at(0).at(0)) == 1);
}

TEST_CASE("every spec shipped in experiments/ validates", "[e2e][specs]") {
  std::vector<std::filesystem::path> specs;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(mtlab::test::source_dir() / "experiments")) {
    if (entry.path().extension() == ".toml" && entry.path().filename() != "base.toml") specs.push_back(entry.path());
  }
  REQUIRE(specs.size() >= 8);
  for (const auto& spec : specs) {
    auto result = run_command("MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) + " " +
                              shell_quote(mtlab::test::mtlab_executable().string()) + " validate " +
                              shell_quote(spec.string()));
    INFO(spec.string() << "\n" << result.output);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.output, Contains("ok: "));
  }
}

TEST_CASE("a seed spec runs unchanged on a Hugging Face checkpoint given with --set", "[e2e][specs]") {
  const auto dir = mtlab::test::scratch_dir("seed_with_checkpoint");
  const auto spec = mtlab::test::source_dir() / "experiments" / "seed" / "task2_multitask.toml";
  auto result = run_command(
      "MTLAB_DATA=" + shell_quote(mtlab::test::data_dir().string()) + " " +
      shell_quote(mtlab::test::mtlab_executable().string()) + " run " + shell_quote(spec.string()) +
      " --no-progress --set backbone.checkpoint=" + shell_quote((mtlab::test::fixtures_dir() / "tiny-bert").string()) +
      " --set experiment.database=" + shell_quote((dir / "ck.db").string()) + " --set experiment.output=" +
      shell_quote((dir / "runs").string()) + " --set training.epochs=1 --set data.limit_train=64");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("1 completed, 0 failed"));
  const auto db = mtlab::storage::Database::open_read_only(dir / "ck.db");
  auto rows = mtlab::storage::run_read_only_query(db, "SELECT init_checkpoint_sha256 FROM runs");
  // The fixture README's sha256 of tiny-bert/model.safetensors.
  CHECK(std::get<std::string>(rows.rows.at(0).at(0)) ==
        "608b763c8e7317951b80f3763c1c4f76e1acaa6627dc833eb5dd2d15dc96908a");
}
