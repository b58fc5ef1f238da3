// `format = "text"`: one unlabelled text per line, for masked-LM tasks.
#include <catch2/catch.hpp>

#include "data_test_helpers.h"
#include "test_paths.h"

namespace mtlab {

TEST_CASE("the text format reads one trimmed text per line and skips blank lines", "[data][text]") {
  const auto dir = test::scratch_dir("text_format");
  test::write_file(dir / "train.txt", "\xEF\xBB\xBF" "show me flights to boston\r\n\n   \n  cheapest fare from denver  \nlast line");
  test::write_file(dir / "dev.txt", "a dev sentence\n");
  const Dataset d = read_dataset(test::data_table({{"format", "text"}, {"train", "train.txt"}, {"dev", "dev.txt"}}), dir);
  REQUIRE(d.train.size() == 3);
  CHECK(d.train[0].text == "show me flights to boston");
  CHECK(d.train[1].text == "cheapest fare from denver");
  CHECK(d.train[2].text == "last line");
  CHECK(d.train[1].source == (dir / "train.txt").string() + ":4");
  CHECK(d.train[0].words.empty());
  CHECK_FALSE(d.has_labels());
  CHECK_FALSE(d.has_tags());
  CHECK(d.dev.size() == 1);
  CHECK(d.format == "text");
}

TEST_CASE("the text format takes the file keys and refuses label keys", "[data][text]") {
  const auto dir = test::scratch_dir("text_format_keys");
  test::write_file(dir / "train.txt", "one\ntwo\nthree\nfour\n");
  const Dataset d = read_dataset(
      test::data_table({{"format", "text"}, {"train", "train.txt"}, {"dev_fraction", 0.25}, {"limit_train", 4}}), dir);
  CHECK(d.train.size() == 3);
  CHECK(d.dev.size() == 1);
  CHECK_THROWS_WITH(read_dataset(test::data_table({{"format", "text"}, {"train", "train.txt"}, {"label_key", "y"}}), dir),
                    Catch::Contains("label_key"));
  test::write_file(dir / "latin.txt", "caf\xE9\n");
  CHECK_THROWS_WITH(read_dataset(test::data_table({{"format", "text"}, {"train", "latin.txt"}}), dir),
                    Catch::Contains("latin-1"));
  const Dataset latin =
      read_dataset(test::data_table({{"format", "text"}, {"train", "latin.txt"}, {"encoding", "latin-1"}}), dir);
  CHECK(latin.train.at(0).text == "caf\xC3\xA9");
}

}  // namespace mtlab
