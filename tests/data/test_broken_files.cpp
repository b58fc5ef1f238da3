// Readers on small files written here: the quirks each format must accept, and
// the malformed input each must reject with an mtlab::Error naming file:line.
#include <catch2/catch.hpp>

#include "data_test_helpers.h"
#include "mtlab/core/error.h"
#include "mtlab/data/conll_reader.h"
#include "mtlab/data/delimited_reader.h"
#include "mtlab/data/joint_reader.h"
#include "mtlab/data/jsonl_reader.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::data_table;
using mtlab::test::scratch_dir;
using mtlab::test::write_file;

namespace {

std::filesystem::path joint_folder(const std::filesystem::path& dir, const std::string& words, const std::string& tags,
                                   const std::string& labels) {
  write_file(dir / "seq.in", words);
  write_file(dir / "seq.out", tags);
  write_file(dir / "label", labels);
  return dir;
}

}  // namespace

TEST_CASE("joint reader: whitespace quirks and malformed folders", "[data]") {
  const auto dir = scratch_dir("data_joint");
  SECTION("runs of spaces, leading/trailing spaces, CRLF, non-ASCII") {
    const auto f = joint_folder(dir / "ok", "  play  the 50 clásicos \r\nhi\n\n", "O O B-x I-x \r\nO \n", "PlayMusic\r\nGreet");
    const auto examples = read_joint(f, {});
    REQUIRE(examples.size() == 2);
    CHECK(examples[0].words == std::vector<std::string>{"play", "the", "50", "clásicos"});
    CHECK(examples[0].tags == std::vector<std::string>{"O", "O", "B-x", "I-x"});
    CHECK(examples[0].text == "play the 50 clásicos");
    CHECK(examples[0].label == "PlayMusic");
    CHECK(examples[1].label == "Greet");
    CHECK(examples[1].source == (f / "seq.in").string() + ":2");
  }
  SECTION("tag/word count mismatch") {
    const auto f = joint_folder(dir / "count", "a b\nc d e\n", "O O\nO O\n", "x\ny\n");
    CHECK_THROWS_WITH(read_joint(f, {}), (f / "seq.out").string() + ":2: 2 tags for 3 words in " +
                                             (f / "seq.in").string() + ":2; expected one tag per word");
  }
  SECTION("files with different line counts") {
    const auto f = joint_folder(dir / "lines", "a\nb\nc\n", "O\nO\nO\n", "x\ny\n");
    CHECK_THROWS_WITH(read_joint(f, {}),
                      (f / "seq.in").string() + ":3: label has 2 lines but seq.in has 3; the files must be line-aligned");
  }
  SECTION("a malformed tag") {
    const auto f = joint_folder(dir / "tag", "a b\n", "O B_x\n", "x\n");
    CHECK_THROWS_WITH(read_joint(f, {}), (f / "seq.out").string() + ":1: tag 2 'B_x' is not O, B-TYPE or I-TYPE");
  }
  SECTION("an empty sentence") {
    const auto f = joint_folder(dir / "empty", "a\n  \nb\n", "O\n\nO\n", "x\ny\nz\n");
    CHECK_THROWS_WITH(read_joint(f, {}), (f / "seq.in").string() + ":2: empty sentence, expected at least one word");
  }
  SECTION("bad UTF-8") {
    const auto f = joint_folder(dir / "utf8", "a\nb\xC3(\n", "O\nO\n", "x\ny\n");
    CHECK_THROWS_WITH(read_joint(f, {}), (f / "seq.in").string() +
                                             ":2: invalid UTF-8 (byte 0xC3 at column 2); if the file is Latin-1, set "
                                             "encoding = \"latin-1\"");
  }
  SECTION("a missing file") {
    write_file(dir / "missing" / "seq.in", "a\n");
    write_file(dir / "missing" / "seq.out", "O\n");
    CHECK_THROWS_WITH(read_joint(dir / "missing", {}),
                      (dir / "missing" / "label").string() + ": cannot open the file (does it exist?)");
  }
  SECTION("an empty split") {
    const auto f = joint_folder(dir / "nothing", "", "", "");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "joint"}, {"train", f.string()}})),
                      f.string() + ": no examples in the train split (empty file?)");
  }
  SECTION("IOB1 input is converted to BIO") {
    const auto f = joint_folder(dir / "iob1", "a b c d\n", "I-x I-x B-x I-y\n", "l\n");
    JointOptions o;
    o.scheme = TagScheme::iob1;
    CHECK(read_joint(f, o).front().tags == std::vector<std::string>{"B-x", "I-x", "B-x", "B-y"});
  }
}

TEST_CASE("conll reader: documents, sentence breaks, columns, IOB1", "[data]") {
  const auto dir = scratch_dir("data_conll");
  SECTION("DOCSTART, several blank lines, no final blank line, tab separator") {
    const auto f = write_file(dir / "ok.txt",
                              "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\n"
                              "Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n-DOCSTART- -X- -X- O\nx X B-NP O");
    const auto examples = read_conll(f, {});
    REQUIRE(examples.size() == 3);
    CHECK(examples[0].words == std::vector<std::string>{"EU", "rejects"});
    CHECK(examples[0].tags == std::vector<std::string>{"B-ORG", "O"});
    CHECK(examples[0].source == f.string() + ":3");
    CHECK(examples[1].tags == std::vector<std::string>{"B-PER", "I-PER"});
    CHECK(examples[2].words == std::vector<std::string>{"x"});
    ConllOptions o;
    o.tag_column = 2;
    CHECK(read_conll(f, o)[1].tags == std::vector<std::string>{"B-NP", "I-NP"});
  }
  SECTION("IOB1 to BIO: I- at a start, B- between adjacent entities of one type") {
    const auto f = write_file(dir / "iob1.txt",
                              "U.N. I-ORG\nofficial O\nEkeus I-PER\nheads O\nfor O\nBaghdad I-LOC\n\n"
                              "Peter I-PER\nBlackburn I-PER\nJohn B-PER\nSmith I-PER\nin O\nNew I-LOC\nYork I-LOC\n");
    ConllOptions o;
    o.scheme = TagScheme::iob1;
    const auto examples = read_conll(f, o);
    REQUIRE(examples.size() == 2);
    CHECK(examples[0].tags == std::vector<std::string>{"B-ORG", "O", "B-PER", "O", "O", "B-LOC"});
    CHECK(examples[1].tags == std::vector<std::string>{"B-PER", "I-PER", "B-PER", "I-PER", "O", "B-LOC", "I-LOC"});
  }
  SECTION("wrong column count") {
    const auto f = write_file(dir / "cols.txt", "EU NNP B-NP B-ORG\nrejects VBZ O\n");
    CHECK_THROWS_WITH(read_conll(f, {}), f.string() + ":2: 3 columns, expected 4 as on line 1");
  }
  SECTION("a tag column that does not exist") {
    const auto f = write_file(dir / "tagcol.txt", "EU B-ORG\n");
    ConllOptions o;
    o.tag_column = 3;
    CHECK_THROWS_WITH(read_conll(f, o), f.string() + ":1: tag_column 3 does not exist in a line of 2 columns");
  }
  SECTION("a malformed tag") {
    const auto f = write_file(dir / "tag.txt", "EU ORG\n");
    CHECK_THROWS_WITH(read_conll(f, {}), f.string() + ":1: tag 'ORG' in column 2 is not O, B-TYPE or I-TYPE");
  }
  SECTION("unknown key with a suggestion") {
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "conll"}, {"train", "x"}, {"tag_colum", 3}})),
                      Catch::Contains("tag_colum") && Catch::Contains("did you mean 'tag_column'"));
  }
}

TEST_CASE("tsv/csv reader: columns, headers, quoting, labels", "[data]") {
  const auto dir = scratch_dir("data_tsv");
  SECTION("header with named columns, label first") {
    const auto f = write_file(dir / "named.tsv", "label\tsentence\n1\tgood film \n0\tbad\n");
    DelimitedOptions o;
    o.header = true;
    o.text_column = "sentence";
    o.label_column = "label";
    const auto examples = read_delimited(f, o);
    REQUIRE(examples.size() == 2);
    CHECK(examples[0].text == "good film");
    CHECK(examples[0].label == "1");
    CHECK(examples[1].source == f.string() + ":3");
    o.text_column = "text";
    CHECK_THROWS_WITH(read_delimited(f, o),
                      f.string() + ":2: text_column 'text' is not a column of the header (label, sentence)");
  }
  SECTION("a UTF-8 byte-order mark before the header") {
    const auto f = write_file(dir / "bom.csv", "\xEF\xBB\xBFtext,label\nnice,1\n");
    const Dataset d = read_dataset(data_table({{"format", "csv"}, {"header", true}, {"text_column", "text"},
                                               {"label_column", "label"}, {"train", f.string()}}));
    CHECK(d.train.at(0).text == "nice");
  }
  SECTION("csv with quotes") {
    const auto f = write_file(dir / "q.csv", "text,label\n\"hello, world\",greet\n\"say \"\"hi\"\"\", greet\nplain,x\n");
    const Dataset d = read_dataset(data_table({{"format", "csv"}, {"header", true}, {"train", f.string()}}));
    REQUIRE(d.train.size() == 3);
    CHECK(d.train[0].text == "hello, world");
    CHECK(d.train[1].text == "say \"hi\"");
    CHECK(d.train[1].label == "greet");
    const auto bad = write_file(dir / "bad.csv", "\"open,x\n");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "csv"}, {"train", bad.string()}})),
                      bad.string() + ":1: unterminated quote (quoted fields cannot span lines)");
  }
  SECTION("wrong column count") {
    const auto f = write_file(dir / "cols.tsv", "a\t1\nb\tc\t1\n");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "tsv"}, {"train", f.string()}})),
                      f.string() + ":2: 3 columns, expected 2 as on line 1");
  }
  SECTION("columns = 2 with too few separators") {
    const auto f = write_file(dir / "few.txt", "4 a fine film\n3\n");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "tsv"}, {"separator", " "}, {"columns", 2},
                                               {"label_column", 0}, {"text_column", 1}, {"train", f.string()}})),
                      f.string() + ":2: 1 columns, expected 2 (columns = 2)");
  }
  SECTION("coarse label without the delimiter") {
    const auto f = write_file(dir / "coarse.txt", "LOC:city Where ?\nNUM What ?\n");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "tsv"}, {"separator", " "}, {"columns", 2},
                                               {"label_column", 0}, {"text_column", 1}, {"label_field", "coarse"},
                                               {"train", f.string()}})),
                      f.string() + ":2: label 'NUM' has no ':', expected COARSE:fine (label_field = \"coarse\")");
  }
  SECTION("empty text") {
    const auto f = write_file(dir / "empty.tsv", "good\t1\n \t0\n");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "tsv"}, {"train", f.string()}})),
                      f.string() + ":2: empty text in column 1");
  }
  SECTION("a bad option value") {
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "tsv"}, {"train", "x"}, {"label_field", "course"}})),
                      Catch::Contains("'course' is not one of whole, coarse, fine") &&
                          Catch::Contains("did you mean 'coarse'"));
  }
}

TEST_CASE("jsonl reader: text/label, tokens/tags and both", "[data]") {
  const auto dir = scratch_dir("data_jsonl");
  SECTION("the three shapes") {
    const auto text = write_file(dir / "text.jsonl", "{\"text\": \"great film\", \"label\": 1}\n\n{\"text\": \"meh\", \"label\": \"0\"}\n");
    const auto d = read_dataset(data_table({{"format", "jsonl"}, {"train", text.string()}}));
    REQUIRE(d.train.size() == 2);
    CHECK(d.train[0].label == "1");
    CHECK(d.train[1].source == text.string() + ":3");
    CHECK(d.has_labels());
    CHECK_FALSE(d.has_tags());

    const auto tags = write_file(dir / "tags.jsonl", "{\"tokens\": [\"New\", \"York\"], \"tags\": [\"B-LOC\", \"I-LOC\"]}\n");
    const auto t = read_dataset(data_table({{"format", "jsonl"}, {"train", tags.string()}}));
    CHECK(t.train[0].text == "New York");
    CHECK(t.has_tags());
    CHECK_FALSE(t.has_labels());

    const auto both = write_file(dir / "both.jsonl",
                                 "{\"tokens\": [\"fly\", \"to\", \"boston\"], \"tags\": [\"O\", \"O\", \"B-city\"], \"label\": \"flight\"}\n");
    const auto b = read_dataset(data_table({{"format", "jsonl"}, {"train", both.string()}}));
    CHECK(b.has_tags());
    CHECK(b.has_labels());
  }
  SECTION("tag/token count mismatch") {
    const auto f = write_file(dir / "count.jsonl", "{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n");
    CHECK_THROWS_WITH(read_jsonl(f, {}), f.string() + ":1: 1 tags for 2 tokens; expected one tag per token");
  }
  SECTION("invalid JSON") {
    const auto f = write_file(dir / "bad.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\",\n");
    CHECK_THROWS_WITH(read_jsonl(f, {}), Catch::StartsWith(f.string() + ":2: not valid JSON (parse error"));
  }
  SECTION("a number too large for a double (fuzz finding: escaped as nlohmann's out_of_range)") {
    const auto f = write_file(dir / "huge.jsonl", "{\"text\": \"a\", \"label\": 1e999}\n");
    CHECK_THROWS_WITH(read_jsonl(f, {}), f.string() + ":1: not valid JSON (number overflow parsing '1e999')");
  }
  SECTION("neither text nor tokens") {
    const auto f = write_file(dir / "none.jsonl", "{\"label\": 1}\n");
    CHECK_THROWS_WITH(read_jsonl(f, {}),
                      f.string() + ":1: expected \"text\" (a string) or \"tokens\" (an array of words)");
  }
  SECTION("examples of different shapes in one dataset") {
    const auto f = write_file(dir / "mixed.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\"}\n");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "jsonl"}, {"train", f.string()}})),
                      f.string() + ":2: this example has no sentence label and no word tags, unlike the first training "
                                   "example (" + f.string() + ":1); every example must have the same fields");
  }
}

TEST_CASE("read_dataset: keys, paths and limits", "[data]") {
  const auto dir = scratch_dir("data_dataset");
  write_file(dir / "train.tsv", "a\t1\nb\t0\nc\t1\n");
  SECTION("relative paths resolve against the base folder; limits") {
    const Dataset d = read_dataset(data_table({{"format", "tsv"}, {"train", "train.tsv"}, {"limit_train", 2}}), dir);
    CHECK(d.train.size() == 2);
    CHECK(d.source == "tsv: train=" + (dir / "train.tsv").string());
  }
  SECTION("${NAME} in a path") {
    ::setenv("MTLAB_TEST_DATA_ROOT", dir.c_str(), 1);
    const Dataset d = read_dataset(data_table({{"format", "tsv"}, {"train", "${MTLAB_TEST_DATA_ROOT}/train.tsv"}}));
    CHECK(d.train.size() == 3);
  }
  SECTION("$$ in a path is a literal $, as in the spec") {
    write_file(dir / "cost$.tsv", "a\t1\n");
    ::setenv("MTLAB_TEST_DATA_ROOT", dir.c_str(), 1);
    const Dataset d = read_dataset(data_table({{"format", "tsv"}, {"train", "${MTLAB_TEST_DATA_ROOT}/cost$$.tsv"}}));
    CHECK(d.train.size() == 1);
  }
  SECTION("missing format, missing train, unknown format") {
    CHECK_THROWS_WITH(read_dataset(data_table({{"train", "x"}})),
                      "test [data]: key 'format': expected a string, got nothing (the key is required)");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "tsv"}})),
                      "test [data]: key 'train': expected a string, got nothing (the key is required)");
    CHECK_THROWS_WITH(read_dataset(data_table({{"format", "jsonlines"}, {"train", "x"}})),
                      Catch::Contains("'jsonlines' is not one of joint, conll, tsv, csv, jsonl, text, synthetic"));
  }
}
