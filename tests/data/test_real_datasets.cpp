// Every reader on the real files in ../shared/data: the counts must equal the
// verified counts in each folder's README.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "data_test_helpers.h"
#include "mtlab/core/error.h"
#include "mtlab/data/label_set.h"
#include "mtlab/metrics/span_f1.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::count_tags_starting;
using mtlab::test::count_words;
using mtlab::test::data_dir;
using mtlab::test::data_table;
using mtlab::test::label_counts;

namespace {

std::size_t count_multi_intent(const std::vector<Example>& split) {
  std::size_t n = 0;
  for (const auto& ex : split) n += ex.label->find('#') != std::string::npos;
  return n;
}

Dataset read_joint_dataset(const std::string& name) {
  const auto root = data_dir() / name;
  return read_dataset(data_table({{"format", "joint"},
                                  {"train", (root / "train").string()},
                                  {"dev", (root / "dev").string()},
                                  {"test", (root / "test").string()}}));
}

}  // namespace

TEST_CASE("joint reader: ATIS matches the README's verified counts", "[data][real]") {
  const Dataset d = read_joint_dataset("atis");
  CHECK(d.format == "joint");
  CHECK(d.has_labels());
  CHECK(d.has_tags());
  REQUIRE(d.train.size() == 4478);
  REQUIRE(d.dev.size() == 500);
  REQUIRE(d.test.size() == 893);
  CHECK(count_words(d.train) == 50497);
  CHECK(count_words(d.dev) == 5703);
  CHECK(count_words(d.test) == 9164);
  CHECK(count_tags_starting(d.train, "B-") == 14851);
  CHECK(count_tags_starting(d.dev, "B-") == 1709);
  CHECK(count_tags_starting(d.test, "B-") == 2837);
  CHECK(label_counts(d.train).size() == 21);
  CHECK(label_counts(d.dev).size() == 16);
  CHECK(label_counts(d.test).size() == 20);
  CHECK(count_multi_intent(d.train) == 23);
  CHECK(count_multi_intent(d.dev) == 3);
  CHECK(count_multi_intent(d.test) == 15);
  CHECK(label_counts(d.train).at("atis_flight") == 3309);
  CHECK(label_counts(d.train).at("atis_flight#atis_airfare") == 19);

  const Example& first = d.train.front();
  CHECK(first.text == "i want to fly from baltimore to dallas round trip");
  CHECK(first.label == "atis_flight");
  CHECK(first.words.size() == first.tags.size());
  CHECK(first.source == (data_dir() / "atis/train/seq.in").string() + ":1");

  // Label sets from train, and the unseen dev/test labels the README lists.
  const DatasetLabels labels = build_label_sets(d);
  REQUIRE(labels.sentence);
  REQUIRE(labels.tags);
  CHECK(labels.sentence->size() == 21);
  CHECK(labels.tags->size() == 120);
  const auto dev_intents = split_labels(d.dev);
  const auto test_intents = split_labels(d.test);
  CHECK(unseen_labels(*labels.sentence, dev_intents) ==
        std::map<std::string, std::size_t>{{"atis_airfare#atis_flight_time", 1}});
  CHECK(unseen_labels(*labels.sentence, test_intents) ==
        std::map<std::string, std::size_t>{{"atis_airfare#atis_flight", 1},
                                           {"atis_day_name", 2},
                                           {"atis_flight#atis_airline", 1},
                                           {"atis_flight_no#atis_airline", 1}});
  const auto encoded = encode_tag_split(*labels.tags, split_tags(d.test), "slots", "test");
  CHECK(encoded.unseen == std::map<std::string, std::size_t>{{"B-booking_class", 1},
                                                             {"B-compartment", 1},
                                                             {"B-flight", 1},
                                                             {"B-stoploc.airport_code", 1},
                                                             {"I-flight_number", 1},
                                                             {"I-state_name", 1}});
  CHECK(encoded.ids.size() == 893);
  const auto dev_slots = encode_tag_split(*labels.tags, split_tags(d.dev), "slots", "dev");
  CHECK(dev_slots.unseen == std::map<std::string, std::size_t>{{"I-return_date.day_number", 1}});
  CHECK(encode_split(*labels.sentence, dev_intents, "intent", "dev").ids.size() == 500);
}

TEST_CASE("joint reader: SNIPS with double, leading and trailing spaces and non-ASCII words", "[data][real]") {
  const Dataset d = read_joint_dataset("snips");
  REQUIRE(d.train.size() == 13084);
  REQUIRE(d.dev.size() == 700);
  REQUIRE(d.test.size() == 700);
  CHECK(count_words(d.train) == 117700);
  CHECK(count_words(d.dev) == 6384);
  CHECK(count_words(d.test) == 6354);
  CHECK(count_tags_starting(d.train, "B-") == 33958);
  CHECK(count_tags_starting(d.dev, "B-") == 1794);
  CHECK(count_tags_starting(d.test, "B-") == 1790);
  CHECK(label_counts(d.train) == std::map<std::string, std::size_t>{{"AddToPlaylist", 1818},
                                                                   {"BookRestaurant", 1881},
                                                                   {"GetWeather", 1896},
                                                                   {"PlayMusic", 1914},
                                                                   {"RateBook", 1876},
                                                                   {"SearchCreativeWork", 1847},
                                                                   {"SearchScreeningEvent", 1852}});
  for (const auto& [label, n] : label_counts(d.dev)) CHECK(n == 100);
  CHECK(label_counts(d.test).at("AddToPlaylist") == 124);
  // Line 2 of train/seq.in ends in a space and has a non-ASCII word.
  CHECK(d.train[1].text == "add step to me to the 50 clásicos playlist");
  CHECK(d.train[1].words.size() == 9);
  const DatasetLabels labels = build_label_sets(d);
  CHECK(labels.sentence->size() == 7);
  CHECK(labels.tags->size() == 72);
  std::vector<std::string> test_intents;
  for (const auto& ex : d.test) test_intents.push_back(*ex.label);
  CHECK(unseen_labels(*labels.sentence, test_intents).empty());
}

TEST_CASE("conll reader: CoNLL-2003 sentences, tokens and entities", "[data][real]") {
  const auto root = data_dir() / "conll2003";
  const Dataset d = read_dataset(data_table({{"format", "conll"},
                                             {"train", (root / "train.txt").string()},
                                             {"dev", (root / "valid.txt").string()},
                                             {"test", (root / "test.txt").string()},
                                             {"tag_column", 3}}));
  CHECK_FALSE(d.has_labels());
  CHECK(d.has_tags());
  REQUIRE(d.train.size() == 14041);
  REQUIRE(d.dev.size() == 3250);
  REQUIRE(d.test.size() == 3453);
  CHECK(count_words(d.train) == 203621);
  CHECK(count_words(d.dev) == 51362);
  CHECK(count_words(d.test) == 46435);
  const auto entities = [](const std::vector<Example>& split) {
    std::map<std::string, std::size_t> counts;
    for (const auto& ex : split) {
      for (const auto& span : extract_spans(ex.tags)) ++counts[span.type];
    }
    return counts;
  };
  CHECK(entities(d.train) ==
        std::map<std::string, std::size_t>{{"LOC", 7140}, {"MISC", 3438}, {"ORG", 6321}, {"PER", 6600}});
  CHECK(entities(d.dev) == std::map<std::string, std::size_t>{{"LOC", 1837}, {"MISC", 922}, {"ORG", 1341}, {"PER", 1842}});
  CHECK(entities(d.test) == std::map<std::string, std::size_t>{{"LOC", 1668}, {"MISC", 702}, {"ORG", 1661}, {"PER", 1617}});
  CHECK(build_label_sets(d).tags->labels() ==
        std::vector<std::string>{"B-LOC", "B-MISC", "B-ORG", "B-PER", "I-LOC", "I-MISC", "I-ORG", "I-PER", "O"});
  // The first sentence follows "-DOCSTART- -X- -X- O" and a blank line.
  CHECK(d.train.front().words == std::vector<std::string>{"EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."});
  CHECK(d.train.front().tags == std::vector<std::string>{"B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"});
  CHECK(d.train.front().source == (root / "train.txt").string() + ":3");

  SECTION("another column as the tag: the chunk column") {
    const Dataset chunks = read_dataset(data_table({{"format", "conll"}, {"train", (root / "valid.txt").string()}, {"tag_column", 2}}));
    CHECK(chunks.train.size() == 3250);
    const auto& tags = chunks.train.front().tags;
    CHECK(std::find(tags.begin(), tags.end(), "B-NP") != tags.end());
  }
}

TEST_CASE("tsv reader: SST-2 (text TAB label, no header)", "[data][real]") {
  const auto root = data_dir() / "sst2";
  const Dataset d = read_dataset(data_table({{"format", "tsv"},
                                             {"train", (root / "sentiment-train").string()},
                                             {"dev", (root / "sentiment-dev").string()},
                                             {"test", (root / "sentiment-test").string()}}));
  CHECK(d.has_labels());
  CHECK_FALSE(d.has_tags());
  CHECK(label_counts(d.train) == std::map<std::string, std::size_t>{{"0", 29780}, {"1", 37569}});
  CHECK(label_counts(d.dev) == std::map<std::string, std::size_t>{{"0", 428}, {"1", 444}});
  CHECK(label_counts(d.test) == std::map<std::string, std::size_t>{{"0", 912}, {"1", 909}});
  CHECK(d.train.front().text == "hide new secretions from the parental units");  // trailing space stripped
}

TEST_CASE("tsv reader: SST-5 (label, one space, text)", "[data][real]") {
  const auto root = data_dir() / "sst5";
  const Dataset d = read_dataset(data_table({{"format", "tsv"},
                                             {"separator", " "},
                                             {"columns", 2},
                                             {"label_column", 0},
                                             {"text_column", 1},
                                             {"train", (root / "stsa.fine.train").string()},
                                             {"dev", (root / "stsa.fine.dev").string()},
                                             {"test", (root / "stsa.fine.test").string()}}));
  CHECK(label_counts(d.train) ==
        std::map<std::string, std::size_t>{{"0", 1092}, {"1", 2218}, {"2", 1624}, {"3", 2322}, {"4", 1288}});
  CHECK(label_counts(d.dev) == std::map<std::string, std::size_t>{{"0", 139}, {"1", 289}, {"2", 229}, {"3", 279}, {"4", 165}});
  CHECK(label_counts(d.test) == std::map<std::string, std::size_t>{{"0", 279}, {"1", 633}, {"2", 389}, {"3", 510}, {"4", 399}});
  CHECK(d.train.front().label == "4");
  CHECK(d.train.front().text.rfind("a stirring , funny and finally transporting re-imagining", 0) == 0);
}

TEST_CASE("tsv reader: TREC coarse and fine labels, Latin-1", "[data][real]") {
  const auto root = data_dir() / "trec";
  nlohmann::json table = {{"format", "tsv"},       {"separator", " "},       {"columns", 2},
                          {"label_column", 0},     {"text_column", 1},       {"encoding", "latin-1"},
                          {"train", (root / "TREC.train").string()}, {"test", (root / "TREC.test").string()}};
  SECTION("coarse") {
    table["label_field"] = "coarse";
    const Dataset d = read_dataset(data_table(table));
    CHECK(d.train.size() == 5452);
    CHECK(d.dev.empty());
    CHECK(label_counts(d.train) == std::map<std::string, std::size_t>{{"ABBR", 86}, {"DESC", 1162}, {"ENTY", 1250},
                                                                     {"HUM", 1223}, {"LOC", 835}, {"NUM", 896}});
    CHECK(label_counts(d.test) == std::map<std::string, std::size_t>{{"ABBR", 9}, {"DESC", 138}, {"ENTY", 94},
                                                                    {"HUM", 65}, {"LOC", 81}, {"NUM", 113}});
    CHECK(d.test.front().text == "How far is it from Denver to Aspen ?");
    // Line 66's 0xF0 byte read as Latin-1 'ð' (U+00F0).
    CHECK(d.train[65].text == "Which city has the oldest relationship as a sister\xC3\xB0" "city with Los Angeles ?");
  }
  SECTION("fine") {
    table["label_field"] = "fine";
    const Dataset d = read_dataset(data_table(table));
    CHECK(label_counts(d.train).size() == 50);
    CHECK(label_counts(d.test).size() == 42);
    CHECK(d.test.front().label == "NUM:dist");
  }
  SECTION("a dev split carved out of train") {
    table["dev_fraction"] = 0.1;
    table["split_seed"] = 7;
    const Dataset a = read_dataset(data_table(table));
    CHECK(a.dev.size() == 545);
    CHECK(a.train.size() == 5452 - 545);
    const Dataset b = read_dataset(data_table(table));
    CHECK(a.dev.front().text == b.dev.front().text);
    table["split_seed"] = 8;
    const Dataset c = read_dataset(data_table(table));
    CHECK(a.dev.front().text != c.dev.front().text);
  }
  SECTION("without encoding = latin-1 the 0xF0 byte is an error naming file and line") {
    table.erase("encoding");
    CHECK_THROWS_WITH(read_dataset(data_table(table)),
                      (root / "TREC.train").string() +
                          ":66: invalid UTF-8 (byte 0xF0 at column 60); if the file is Latin-1, set encoding = \"latin-1\"");
  }
}
