// The plugin loader against real libraries: a working plugin and one broken
// library per failure the loader must explain.
#include <ATen/ATen.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "mtlab/model/loss.h"
#include "mtlab/plugin/registry.h"
#include "run_command.h"
#include "test_paths.h"

using mtlab::Config;
using mtlab::plugin::Kind;
using mtlab::plugin::Registry;
using Catch::Matchers::Contains;

namespace {
const std::filesystem::path libs = TEST_LIBS_DIR;

Config config(const char* json) { return Config(nlohmann::json::parse(json), "[test]"); }

std::string load_error(const std::filesystem::path& file) {
  Registry registry;
  try {
    registry.load(file);
  } catch (const mtlab::Error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("a real plugin loads, describes itself and creates working objects", "[plugin]") {
  Registry registry;
  const auto& info = registry.load(libs / "good" / "good_loss.so");
  CHECK(info.kind == Kind::loss);
  CHECK(info.name == "scaled_mean");
  CHECK(info.version == "1.2.3");
  REQUIRE(info.keys.size() == 2);
  CHECK(info.keys[0].name == "scale");
  CHECK(info.keys[0].type == "float");
  CHECK(info.sha256.size() == 64);

  auto loss = registry.create<mtlab::Loss>(Kind::loss, "scaled_mean", config(R"({"scale": 2.5})"));
  const auto value = loss->compute(at::ones({3, 4}), at::zeros({3}, at::kLong));
  CHECK(value.item<double>() == Approx(2.5));
}

TEST_CASE("objects stay usable after the registry that made them is gone", "[plugin]") {
  std::shared_ptr<mtlab::Loss> loss;
  {
    Registry registry;
    registry.load(libs / "good" / "good_loss.so");
    loss = registry.create<mtlab::Loss>(Kind::loss, "scaled_mean", config(R"({"scale": 3})"));
  }
  CHECK(loss->compute(at::full({2}, 2.0), at::zeros({2}, at::kLong)).item<double>() == Approx(6.0));
  loss.reset();  // the deleter's code is still mapped: no crash
}

TEST_CASE("a plugin's config is checked against its declared keys", "[plugin]") {
  Registry registry;
  registry.load(libs / "good" / "good_loss.so");
  REQUIRE_THROWS_WITH(registry.create_object(Kind::loss, "scaled_mean", config(R"({"scal": 2})")),
                      Contains("unknown key 'scal'") && Contains("did you mean 'scale'?"));
  REQUIRE_THROWS_WITH(registry.create_object(Kind::loss, "scaled_mean", config(R"({"scale": "big"})")),
                      Contains("key 'scale': expected a number, got a string"));
}

TEST_CASE("each broken library gets a one-line error naming the file", "[plugin]") {
  const auto not_lib = libs / "not_a_library.so";
  CHECK_THAT(load_error(not_lib), Contains(not_lib.string()) && Contains("not a loadable shared library"));

  const auto plain = libs / "no_descriptor.so";
  CHECK_THAT(load_error(plain), Contains(plain.string()) && Contains("not an mtlab plugin"));

  const auto future = libs / "bad_abi.so";
  // bad_abi.so declares kAbiVersion + 41.
  const auto abi = std::to_string(mtlab::plugin::kAbiVersion), future_abi = std::to_string(mtlab::plugin::kAbiVersion + 41);
  CHECK_THAT(load_error(future), Contains(future.string()) && Contains("plugin ABI version " + future_abi) &&
                                     Contains("does not match this mtlab's ABI version " + abi));

  CHECK_THAT(load_error(libs / "missing.so"), Contains("missing.so: no such plugin file"));

  // Only a head declares a level.
  const auto leveled = libs / "level" / "bad_level.so";
  CHECK_THAT(load_error(leveled), Contains(leveled.string() + ": plugin 'leveled_loss' declares level 'token'; only a "
                                                              "head may, as \"sentence\" or \"token\""));
}

TEST_CASE("asking for the wrong kind, a missing name, or a duplicate is explained", "[plugin]") {
  Registry registry;
  registry.scan({libs / "good"});
  REQUIRE_THROWS_WITH(registry.find(Kind::head, "scaled_mean"),
                      Contains("'scaled_mean'") && Contains("is a loss plugin, but a head plugin was asked for"));
  REQUIRE_THROWS_WITH(registry.find(Kind::loss, "scaled_maen"),
                      Contains("no loss plugin named 'scaled_maen' (did you mean 'scaled_mean'?)") &&
                          Contains("available loss plugins: scaled_mean"));

  Registry twice;
  REQUIRE_THROWS_WITH(twice.scan({libs / "good", libs / "dup"}),
                      Contains((libs / "good" / "good_loss.so").string()) &&
                          Contains((libs / "dup" / "dup_loss.so").string()) &&
                          Contains("both offer the loss plugin 'scaled_mean'"));
}

TEST_CASE("a throwing factory becomes an error naming the plugin with its message", "[plugin]") {
  Registry registry;
  registry.load(libs / "throwing_factory.so");
  REQUIRE_THROWS_WITH(registry.create_object(Kind::head, "throwing", Config()),
                      Contains("head plugin 'throwing'") && Contains("failed to start: cannot build a head without coffee"));
  Registry good;
  good.load(libs / "good" / "good_loss.so");
  REQUIRE_THROWS_WITH(good.create_object(Kind::loss, "scaled_mean", config(R"({"fail": true})")),
                      Contains("failed to start: asked to fail by its config"));
}

TEST_CASE("a scan keeps going past stray libraries and reports them", "[plugin]") {
  Registry registry;
  registry.scan({libs});  // the folder with the broken libraries (not its subfolders)
  CHECK(registry.plugins().size() == 1);  // throwing_factory.so is a valid plugin
  CHECK(registry.warnings().size() == 3);
}

TEST_CASE("mtlab plugins lists, describes and checks", "[plugin][cli]") {
  using mtlab::test::run_command;
  using mtlab::test::shell_quote;
  const std::string exe = shell_quote(mtlab::test::mtlab_executable().string());
  const std::string good = shell_quote((libs / "good").string());

  auto listed = run_command("MTLAB_PLUGIN_PATH=" + good + " " + exe + " plugins");
  CHECK(listed.exit_code == 0);
  CHECK_THAT(listed.output, Contains("loss") && Contains("scaled_mean") && Contains("1.2.3"));

  auto described = run_command(exe + " plugins --path " + good + " --describe scaled_mean");
  CHECK(described.exit_code == 0);
  CHECK_THAT(described.output, Contains("scale") && Contains("multiplies the mean"));

  auto checked = run_command(exe + " plugins --check " + shell_quote((libs / "bad_abi.so").string()));
  CHECK(checked.exit_code == 1);
  CHECK_THAT(checked.output, Contains("mtlab: error: ") &&
                                 Contains("ABI version " + std::to_string(mtlab::plugin::kAbiVersion + 41)));

  auto ok = run_command(exe + " plugins --check " + shell_quote((libs / "good" / "good_loss.so").string()));
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Contains("ok: loss plugin 'scaled_mean'"));
}
