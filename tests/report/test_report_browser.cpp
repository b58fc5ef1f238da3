// `mtlab report` of a real sweep, opened in headless Chromium: every chart the
// database calls for is drawn with the series and points the database holds,
// the tables have their rows, and the page reports no error.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include "browser.h"
#include "mtlab/storage/query.h"
#include "expected_charts.h"
#include "report_fixture.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;

namespace {

const nlohmann::json* find_by_id(const nlohmann::json& list, const std::string& id) {
  for (const auto& item : list) {
    if (item["id"] == id) return &item;
  }
  return nullptr;
}

void check_chart(const nlohmann::json& summary, const std::string& id, const test::ExpectedChart& expected) {
  INFO("chart " << id);
  const auto* chart = find_by_id(summary["charts"], id);
  REQUIRE(chart != nullptr);
  CHECK((*chart)["rendered"] == true);
  CHECK((*chart)["series"].get<std::size_t>() == expected.series);
  CHECK((*chart)["points"].get<std::size_t>() == expected.points);
  CHECK(expected.points > 0);
}

// The metric the sweep's closing lines name (`try: mtlab compare … --metric M`).
std::string metric_printed_by_run(const std::string& output) {
  std::smatch m;
  REQUIRE(std::regex_search(output, m, std::regex(R"(mtlab compare \S+ --experiment sweep --metric (\S+))")));
  return m[1];
}

}  // namespace

TEST_CASE("report of a real sweep: every chart drawn with the series and points of the database", "[report][browser]") {
  const auto sweep = test::report_sweep("report_real");
  const auto folder = sweep.folder;
  const auto page = folder / "report.html";
  const auto made = test::mtlab(folder, "report results.db --experiment source --experiment sweep --out report.html");
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  const auto rendered = test::render_page(page, folder);
  const auto& summary = rendered.summary;
  test::check_clean_render(summary);
  INFO(summary.dump(1));

  const auto db = storage::Database::open_read_only(sweep.database);
  std::size_t expected_charts = 0;
  for (const std::string experiment : {"source", "sweep"}) {
    INFO("experiment " << experiment);
    const auto* value_chart = find_by_id(summary["charts"], "value:" + experiment);
    REQUIRE(value_chart != nullptr);
    // The page compares on what `mtlab run` names at the end of the sweep.
    const std::string metric = (*value_chart)["title"];
    if (experiment == "sweep") CHECK(metric == metric_printed_by_run(sweep.run_output));
    const auto c = storage::compare_trials(db, experiment, metric);
    check_chart(summary, "value:" + experiment, test::expected_values(c));
    const auto curves = test::curve_series(db, experiment);
    REQUIRE(curves.count("train.loss"));
    REQUIRE(curves.count("intent.dev.accuracy"));
    for (const auto& [label, tsn] : curves) check_chart(summary, "curve:" + experiment + ":" + label, test::expected_curve(db, c, tsn));
    check_chart(summary, "lr:" + experiment, test::expected_groups(db, c, "lr"));
    check_chart(summary, "grad_norm:" + experiment, test::expected_groups(db, c, "grad_norm"));
    expected_charts += 3 + curves.size();

    const auto* trials = find_by_id(summary["tables"], experiment == "source" ? "exp0-trial-table" : "exp1-trial-table");
    REQUIRE(trials != nullptr);
    CHECK((*trials)["rows"].get<std::size_t>() == c.rows.size());
  }
  CHECK(summary["charts"].size() == expected_charts);
  const auto runs = [&](const std::string& id) { return (*find_by_id(summary["tables"], id))["rows"].get<int>(); };
  CHECK(runs("exp1-runs-table") == 4);
  CHECK(runs("exp1-freeze-table") == 4);
  // Lineage: the sweep's runs started from the source run, and the page says so.
  CHECK_THAT(rendered.dom, Contains("(source/default)"));
  CHECK_THAT(rendered.dom, Contains("unchanged ✓"));  // the embeddings froze and stayed frozen

  test::screenshot(page, folder / "report.png", folder);
  CHECK(fs::file_size(folder / "report.png") > 10000);
}

TEST_CASE("run --report writes the sweep's report beside the database", "[report][cli]") {
  const auto sweep = test::report_sweep("report_run_flag");
  const auto page = sweep.folder / "sweep-report.html";
  // The closing lines say how to make it by hand, and where --report put it.
  CHECK_THAT(sweep.run_output, Contains("mtlab report " + sweep.database.string() + " --experiment sweep --out " + page.string()));
  CHECK_THAT(sweep.run_output, Contains("report: wrote " + page.string()));
  REQUIRE(fs::exists(page));
  const auto rendered = test::render_page(page, sweep.folder);
  test::check_clean_render(rendered.summary);
  CHECK(find_by_id(rendered.summary["charts"], "value:sweep") != nullptr);
}

TEST_CASE("report of a sweep pruned by ASHA: the rungs table and the compute it saved", "[report][browser][prune]") {
  const auto folder = test::scratch_dir("report_pruned");
  std::ofstream(folder / "exp.toml") << "extends = \"" << (test::source_dir() / "tests/specs/tiny_atis.toml").string()
                                     << "\"\n" << R"toml(
[experiment]
name = "pruned"
database = "results.db"
output = "runs"

[training]
epochs = 3
metric = "dev.loss"

[sweep]
sampler = "random"
trials = 6

[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-4, high = 3e-2 }

[sweep.prune]
method = "asha"
)toml";
  const auto run = test::run_command("cd " + test::shell_quote(folder.string()) + " && MTLAB_DATA=" +
                                     test::shell_quote(test::data_dir().string()) + " " +
                                     test::shell_quote(test::mtlab_executable().string()) +
                                     " run exp.toml --no-progress --report");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto rendered = test::render_page(folder / "pruned-report.html", folder);
  test::check_clean_render(rendered.summary);
  const auto db = storage::Database::open_read_only(folder / "results.db");
  const auto rungs = storage::run_read_only_query(db, "SELECT count(DISTINCT rung) FROM rungs").rows.at(0).at(0);
  const auto* table = find_by_id(rendered.summary["tables"], "exp0-pruning-table");
  REQUIRE(table != nullptr);
  CHECK((*table)["rows"].get<std::int64_t>() == std::get<std::int64_t>(rungs));
  CHECK_THAT(rendered.dom, Contains("Pruning (asha)") && Contains("6 trials:") && Contains("epochs trained of the 18"));
}
