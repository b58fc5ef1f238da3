// `mtlab report` refuses bad input with one clear line naming what and where,
// exits non-zero, and writes nothing.
#include <catch2/catch.hpp>

#include "report_fixture.h"

namespace fs = std::filesystem;
using namespace mtlab;
using Catch::Matchers::Contains;

TEST_CASE("report: a missing database, an unknown experiment or metric, or a missing folder is an error and writes nothing",
          "[report][cli]") {
  const auto sweep = test::report_sweep("report_bad_input_db");
  const auto folder = test::scratch_dir("report_bad_input");
  const auto out = test::shell_quote((folder / "r.html").string());
  const auto db = test::shell_quote(sweep.database.string());
  struct Case {
    std::string args, expected;
  };
  const Case cases[] = {
      {"report " + test::shell_quote((folder / "nope.db").string()) + " --experiment sweep --out " + out, "nope.db"},
      {"report " + db + " --experiment swep --out " + out, "no experiment named 'swep' (expected one of: source, sweep)"},
      {"report " + db + " --experiment sweep --metric intent.dev.f1 --out " + out, "intent.dev.f1"},
      {"report " + db + " --experiment sweep --out " + test::shell_quote((folder / "no" / "r.html").string()),
       "does not exist"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = test::mtlab(folder, c.args);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Contains("mtlab: error:") && Contains(c.expected));
    CHECK(fs::is_empty(folder));
  }
}
