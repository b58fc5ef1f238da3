// DeclaredKeys: a plugin reads its table through its KeySpec array, so each
// default, range and choice list is written once.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "mtlab/core/error.h"
#include "mtlab/plugin/declared_keys.h"

using Catch::Matchers::Contains;
using mtlab::Config;
namespace plugin = mtlab::plugin;

namespace {
const plugin::KeySpec kKeys[] = {
    {"gamma", "float", "2.0", "exponent", 0, 100},
    {"depth", "int", "4", "layers", 1, 8},
    {"mode", "string", "\"fast\"", "how", plugin::kNoMin, plugin::kNoMax, "fast|exact"},
    {"name", "string", "\"x\"", "free text"},
    {"strict", "bool", "true", "refuse odd input"},
    {"init", "table", "", "architecture"},
    {"init.width", "int", "16", "width", 2, 64},
};
const plugin::DeclaredKeys kDeclared(kKeys);
Config table(const nlohmann::json& j) { return Config(j, "test table"); }
}  // namespace

TEST_CASE("DeclaredKeys reads absent keys as their declared defaults", "[plugin][sdk]") {
  const Config empty = table(nlohmann::json::object());
  CHECK(kDeclared.get_double(empty, "gamma") == 2.0);
  CHECK(kDeclared.get_int(empty, "depth") == 4);
  CHECK(kDeclared.get_string(empty, "mode") == "fast");
  CHECK(kDeclared.get_string(empty, "name") == "x");
  CHECK(kDeclared.get_bool(empty, "strict"));
  CHECK(kDeclared.get_int(empty, "init.width") == 16);
  CHECK(kDeclared.get_int(empty, "depth", 7) == 7);  // a default computed from other keys
  CHECK(kDeclared.names_under("init") == std::vector<std::string>{"width"});
}

TEST_CASE("DeclaredKeys applies the declared range and choices to given values", "[plugin][sdk]") {
  CHECK(kDeclared.get_int(table({{"depth", 8}}), "depth") == 8);
  CHECK_THROWS_WITH(kDeclared.get_int(table({{"depth", 9}}), "depth"), Contains("9 is out of range") && Contains("[1, 8]"));
  CHECK_THROWS_WITH(kDeclared.get_double(table({{"gamma", -1.0}}), "gamma"), Contains("out of range"));
  CHECK_THROWS_WITH(kDeclared.get_string(table({{"mode", "slow"}}), "mode"), Contains("fast") && Contains("exact"));
  // A dotted name is read from the table holding its last part.
  CHECK(kDeclared.get_int(table({{"width", 32}}), "init.width") == 32);
  CHECK_THROWS_WITH(kDeclared.get_int(table({{"width", 1}}), "init.width"), Contains("[2, 64]"));
  // Reading a key the array does not declare is the plugin's bug, not the user's.
  CHECK_THROWS_AS(kDeclared.get_int(table({}), "depht"), std::logic_error);
}

TEST_CASE("declared choices split at the bar", "[plugin][sdk]") {
  CHECK(plugin::declared_choices(kKeys[2]) == std::vector<std::string>{"fast", "exact"});
  CHECK(plugin::declared_choices(kKeys[3]).empty());
}
