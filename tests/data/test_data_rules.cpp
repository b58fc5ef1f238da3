// The [data] keys' rules (framework/options/data_formats.*) are what the readers
// apply: the choices the schema offers parse, the bounds are enforced when a
// reader is given a table directly, and an empty table reads as the defaults.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "mtlab/core/config.h"
#include "mtlab/data/conll_reader.h"
#include "mtlab/data/delimited_reader.h"
#include "mtlab/data/synthetic_data.h"
#include "mtlab/data/tag_scheme.h"
#include "mtlab/data/text_lines.h"
#include "mtlab/options/data_formats.h"

using Catch::Matchers::Contains;
using namespace mtlab;

TEST_CASE("every scheme and encoding the data rules offer is one the readers parse", "[data][rules]") {
  for (auto name : data_key_rule("scheme").choices) CHECK_NOTHROW(parse_tag_scheme(name, "test"));
  for (auto name : data_key_rule("encoding").choices) CHECK_NOTHROW(parse_text_encoding(name, "test"));
  CHECK(parse_tag_scheme(kDataDefaults.scheme, "test") == ConllOptions{}.scheme);
  CHECK(parse_text_encoding(kDataDefaults.encoding, "test") == ConllOptions{}.encoding);
}

TEST_CASE("readers take an empty table as the data defaults and enforce the rules' bounds", "[data][rules]") {
  const Config empty(nlohmann::json::object(), "test [data]");
  CHECK(conll_options(empty).tag_column == kDataDefaults.tag_column);
  CHECK(delimited_options(empty, false).label_field == kDataDefaults.label_field);
  CHECK(synthetic_options(empty).train_size == kDataDefaults.train_size);
  CHECK(synthetic_options(empty).noise == kDataDefaults.noise);
  CHECK_THROWS_WITH(conll_options(Config({{"word_column", 64}}, "t")), Contains("[-64, 63]"));
  CHECK_THROWS_WITH(synthetic_options(Config({{"train_size", 0}}, "t")), Contains("[1, 200000]"));
  CHECK_THROWS_WITH(delimited_options(Config({{"text_column", 2000}}, "t"), false), Contains("[-1024, 1024]"));
  CHECK_THROWS_WITH(delimited_options(Config({{"label_field", "middle"}}, "t"), false), Contains("coarse"));
}
