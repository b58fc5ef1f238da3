// docs/spec.md carries the key reference generated from the schema; this test
// fails whenever the two differ. Also: every default obeys its own key's rules.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "mtlab/spec/reference.h"
#include "mtlab/spec/schema.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;

TEST_CASE("docs/spec.md holds exactly the generated reference", "[spec][docs]") {
  std::ifstream in(test::source_dir() / "docs" / "spec.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto begin = doc.find(spec::kReferenceBegin);
  const auto end = doc.find(spec::kReferenceEnd);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string embedded = doc.substr(begin + spec::kReferenceBegin.size() + 1, end - begin - spec::kReferenceBegin.size() - 1);
  INFO("regenerate with: mtlab validate --print-reference, pasted between the markers");
  CHECK(embedded == spec::reference_markdown());
}

TEST_CASE("The reference lists every key of the schema", "[spec][docs]") {
  const std::string reference = spec::reference_markdown();
  for (const auto& key : spec::schema()) {
    std::string shown(key.key);
    for (std::size_t pos; (pos = shown.find('*')) != std::string::npos;) shown.replace(pos, 1, shown.rfind("optimizer.groups", 0) == 0 ? "GROUP" : "NAME");
    if (shown.rfind("tasks.NAME.data.", 0) == 0) shown = shown.substr(11);  // listed under [data]
    if (shown == "tasks.NAME") continue;
    if (shown == "tasks") shown = "tasks.NAME";
    INFO(shown);
    CHECK((reference.find("`" + shown + "`") != std::string::npos || reference.find("[" + shown + "]") != std::string::npos));
  }
}

TEST_CASE("Every default satisfies its own key's type, range and choices", "[spec][docs]") {
  const auto dir = test::scratch_dir("spec_defaults");
  const auto file = test::write_file(dir, "exp.toml", test::kMinimalSpec);
  for (const auto& key : spec::schema()) {
    if (key.default_toml.empty() || key.key.find('*') != std::string_view::npos || !key.formats.empty() ||
        key.key.rfind("sweep", 0) == 0 || key.key.rfind("data.", 0) == 0) {
      continue;
    }
    INFO(key.key);
    spec::LoadOptions options;
    options.overrides = {std::string(key.key) + "=" + std::string(key.default_toml)};
    CHECK(test::errors_of(file, options).empty());
  }
}
