// The MTLAB_SANITIZE build really runs under AddressSanitizer, LeakSanitizer
// and UndefinedBehaviorSanitizer with tests/sanitizers/options.env: each
// deliberate bug of the canary ends it with exit code 66 and the report's name.
#include <catch2/catch.hpp>

#include "run_command.h"

using Catch::Matchers::Contains;
using mtlab::test::run_command;
using mtlab::test::shell_quote;

namespace {
mtlab::test::CommandResult canary(const char* mode) {
  return run_command(shell_quote(MTLAB_CANARY) + " " + mode);
}
}  // namespace

TEST_CASE("the sanitizer build catches a heap overflow, a use after free, a signed overflow and a leak", "[sanitizers]") {
  const auto clean = canary("clean");
  INFO(clean.output);
  CHECK(clean.exit_code == 0);
  CHECK_THAT(clean.output, Contains("canary: done"));

  const std::pair<const char*, const char*> bugs[] = {
      {"heap-overflow", "AddressSanitizer: heap-buffer-overflow"},
      {"use-after-free", "AddressSanitizer: heap-use-after-free"},
      {"signed-overflow", "signed integer overflow"},
      {"leak", "LeakSanitizer: detected memory leaks"},
  };
  for (const auto& [mode, report] : bugs) {
    const auto result = canary(mode);
    INFO(mode << ":\n" << result.output);
    CHECK(result.exit_code == 66);
    CHECK_THAT(result.output, Contains(report));
    // halt_on_error: nothing runs past the first report.
    if (std::string(mode) != "leak") CHECK_THAT(result.output, !Contains("canary: done"));
  }
}
