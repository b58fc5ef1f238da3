// A report of a database with what real sweeps leave behind and what a hostile
// one could hold: failed and interrupted runs, an experiment with no runs and
// one with none completed, and names with markup, quotes and unicode. It renders
// without error, and nothing from the database runs as script or markup.
#include <catch2/catch.hpp>

#include <fmt/core.h>

#include "browser.h"
#include "report_fixture.h"
#include "mtlab/storage/writer.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;

namespace {

const std::string kScriptName = "<script>window.__pwned=1</script>";
const std::string kBreakOut = "</script><script>window.__pwned=2</script>";
const std::string kImage = "<img src=x onerror=\"window.__pwned=3\">";
const std::string kUnicode = "ünï “quoted” 'single' \u2028line\u2029para ✓";

storage::NewRun hostile_run(const std::string& trial, std::int64_t seed) {
  storage::NewRun run;
  run.trial = trial;
  run.seed = seed;
  run.config_hash = fmt::format("hash-{}-{}", trial, seed);
  run.config_toml = "";
  run.config_json = nlohmann::json{{"training", {{"freeze", trial}}}, {"note", kImage}, {"seed", seed}}.dump();
  run.environment = {"host " + kImage, "Linux", kUnicode, 1, "0.1.0", kBreakOut, "2.1.0", "libopenblas.so.0"};
  return run;
}

void fill_hostile(const fs::path& path) {
  storage::Writer w(path);
  const auto exp = w.begin_experiment("hostile " + kScriptName, kBreakOut + kUnicode);
  for (const std::string trial : {kScriptName, kUnicode}) {
    for (std::int64_t seed = 1; seed <= 2; ++seed) {
      const auto run = w.create_run(exp, hostile_run(trial, seed));
      w.set_status(run, storage::RunStatus::running);
      for (int step = 1; step <= 4; ++step) {
        w.log_metric(run, "in\"tent", "dev", kScriptName, step, 0.1 * step + 0.01 * seed, step);
        w.log_metric(run, "", "train", "loss", step, 1.0 / step, step);
        w.log_metric(run, "", "train", "lr." + kImage, step, 1e-3, step);
      }
      w.record_fact(run, "freeze.policy", kImage);
      w.record_fact(run, "freeze.frozen_blocks", kScriptName);
      w.record_fact(run, "group." + kImage, "params=10 tensors=1 lr=0.001 weight_decay=0");
      w.set_status(run, storage::RunStatus::completed);
    }
  }
  const auto failed = w.create_run(exp, hostile_run("failed " + kBreakOut, 1));
  w.set_status(failed, storage::RunStatus::running);
  w.set_status(failed, storage::RunStatus::failed, kBreakOut + "\n" + kImage);
  const auto interrupted = w.create_run(exp, hostile_run("interrupted", 1));
  w.set_status(interrupted, storage::RunStatus::running);
  w.set_status(interrupted, storage::RunStatus::interrupted, "interrupted by Ctrl-C " + kUnicode);
  w.begin_experiment("empty");
  const auto unfinished = w.begin_experiment("unfinished");
  const auto lone = w.create_run(unfinished, hostile_run("lone", 1));
  w.set_status(lone, storage::RunStatus::running);
  w.set_status(lone, storage::RunStatus::failed, "out of memory");
}

}  // namespace

TEST_CASE("report of failed, interrupted and empty experiments with hostile names: renders, nothing executes",
          "[report][browser][security]") {
  const auto folder = test::scratch_dir("report_hostile");
  fill_hostile(folder / "hostile.db");
  const auto page = folder / "report.html";
  const auto made = test::mtlab(folder, "report hostile.db --experiment " + test::shell_quote("hostile " + kScriptName) +
                                            " --experiment empty --experiment unfinished --out report.html");
  INFO(made.output);
  REQUIRE(made.exit_code == 0);

  // No database text reaches the file as markup: each '<' inside the data is escaped.
  std::string html;
  {
    std::ifstream in(page);
    html.assign(std::istreambuf_iterator<char>(in), {});
  }
  CHECK(html.find(kScriptName) == std::string::npos);
  CHECK(html.find(kBreakOut) == std::string::npos);
  CHECK(html.find("\u2028") == std::string::npos);

  const auto rendered = test::render_page(page, folder);
  const auto& summary = rendered.summary;
  test::check_clean_render(summary);
  INFO(summary.dump(1));
  // Shown as text: the browser serialises the names with their '<' escaped.
  CHECK_THAT(rendered.dom, Contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"));
  CHECK_THAT(rendered.dom, Contains("&lt;/script&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;"));
  CHECK_THAT(rendered.dom, Contains("ünï “quoted” 'single'"));
  CHECK(rendered.dom.find("<img src=\"x\"") == std::string::npos);
  // The hostile experiment's charts are drawn: 2 trials × 2 seeds of a 4-step curve.
  bool curve = false;
  for (const auto& chart : summary["charts"]) {
    if (chart["id"] == "curve:hostile " + kScriptName + ":in\"tent.dev." + kScriptName) {
      curve = true;
      CHECK(chart["series"] == 2);
      CHECK(chart["points"] == 8);
    }
  }
  CHECK(curve);
  // The failed and interrupted runs are listed with their errors; empty experiments get a note.
  CHECK_THAT(rendered.dom, Contains("interrupted by Ctrl-C"));
  CHECK_THAT(rendered.dom, Contains("this experiment has no runs yet"));
  CHECK_THAT(rendered.dom, Contains("no completed runs"));
  test::screenshot(page, folder / "report.png", folder);
}
