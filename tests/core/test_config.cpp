#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"

using Catch::Matchers::Contains;
using mtlab::Config;

namespace {
Config make() {
  auto json = nlohmann::json::parse(R"({"lr": 0.001, "layers": 4, "name": "adamw", "nesterov": true,
    "betas": [0.9, 0.999], "tags": ["a", "b"], "ids": [1, 2], "init": {"hidden_size": 64}})");
  return Config(json, "exp.toml [optimizer]", {{"layers", "exp.toml:7:10"}, {"init.hidden_size", "exp.toml:9:1"}});
}
}  // namespace

TEST_CASE("typed getters return values and defaults", "[config]") {
  const Config c = make();
  CHECK(c.get_double("lr") == Approx(0.001));
  CHECK(c.get_double("layers") == Approx(4.0));  // an integer is a fine number
  CHECK(c.get_int("layers") == 4);
  CHECK(c.get_string("name") == "adamw");
  CHECK(c.get_bool("nesterov"));
  CHECK(c.get_int("missing", 7) == 7);
  CHECK(c.get_double_list("betas") == std::vector<double>{0.9, 0.999});
  CHECK(c.get_string_list("tags") == std::vector<std::string>{"a", "b"});
  CHECK(c.get_int_list("ids") == std::vector<std::int64_t>{1, 2});
  CHECK(c.get_table("init").get_int("hidden_size") == 64);
  CHECK(c.get_table("init").location("hidden_size") == "exp.toml:9:1");
  CHECK(c.get_table("absent").empty());
}

TEST_CASE("type, range and choice errors name the key and its position", "[config]") {
  const Config c = make();
  CHECK_THROWS_WITH(c.get_int("lr"), "exp.toml [optimizer]: key 'lr': expected an integer, got a float 0.001");
  CHECK_THROWS_WITH(c.get_string("layers"), "exp.toml:7:10: key 'layers': expected a string, got an integer 4");
  CHECK_THROWS_WITH(c.get_int("layers", 1, 1, 2),
                    "exp.toml:7:10: key 'layers': 4 is out of range, expected an integer in [1, 2]");
  CHECK_THROWS_WITH(c.get_int("nothing"),
                    Contains("key 'nothing': expected an integer, got nothing (the key is required)"));
  CHECK_THROWS_WITH(c.get_choice("name", "sgd", {"adam", "adamw2", "sgd"}),
                    Contains("'adamw' is not one of adam, adamw2, sgd (did you mean 'adam'?)"));
  CHECK_THROWS_WITH(c.get_string_list("ids"), Contains("expected an array of strings"));
  CHECK_THROWS_WITH(c.get_table("lr"), Contains("key 'lr': expected a table"));
}

TEST_CASE("unknown keys are rejected with the closest known key", "[config]") {
  const Config c(nlohmann::json::parse(R"({"learning_rte": 1})"), "exp.toml [optimizer]");
  CHECK_THROWS_WITH(c.reject_unknown({"learning_rate", "momentum"}),
                    Contains("unknown key 'learning_rte' in exp.toml [optimizer] (did you mean 'learning_rate'?)"));
  CHECK_NOTHROW(Config(nlohmann::json::parse(R"({"momentum": 1})"), "x").reject_unknown({"momentum"}));
}

TEST_CASE("a config must be a table", "[config]") {
  CHECK_THROWS_AS(Config(nlohmann::json::array(), "x"), mtlab::Error);
}
