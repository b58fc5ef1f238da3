// `mtlab tokenize` end to end: the real executable on the fixture model.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_command.h"
#include "test_paths.h"

using namespace mtlab::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string tokenize_command(const std::string& args) {
  return shell_quote(mtlab_executable().string()) + " tokenize --model " +
         shell_quote((fixtures_dir() / "tiny-bert").string()) + " " + args;
}

std::vector<json> parse_lines(const std::string& output) {
  std::vector<json> rows;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  return rows;
}

const json& reference_case(const std::string& id) {
  static const json reference = [] {
    std::ifstream in(fixtures_dir() / "tiny-bert" / "reference.json");
    return json::parse(in);
  }();
  for (const auto& c : reference["cases"]) {
    if (c["id"] == id) return c;
  }
  FAIL("no reference case " << id);
  throw;
}

void check_matches(const json& row, const json& expected) {
  CHECK(row.size() == 4);
  CHECK(row["tokens"] == expected["tokens"]);
  CHECK(row["input_ids"] == expected["input_ids"]);
  CHECK(row["token_type_ids"] == expected["token_type_ids"]);
  CHECK(row["attention_mask"] == expected["attention_mask"]);
}

void write(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("mtlab tokenize --format jsonl prints Hugging Face's fields for each text, in order", "[cli][tokenize]") {
  const auto& s00 = reference_case("s00");
  const auto& s18 = reference_case("s18");
  const auto result = run_command(tokenize_command("--format jsonl " + shell_quote(s00["text"]) + " " +
                                                   shell_quote(s18["text"])));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto rows = parse_lines(result.output);
  REQUIRE(rows.size() == 2);
  check_matches(rows[0], s00);
  check_matches(rows[1], s18);
}

TEST_CASE("mtlab tokenize reads .jsonl inputs with pairs, and truncates with --max-length", "[cli][tokenize]") {
  const auto dir = scratch_dir("cmd-tokenize-jsonl");
  const auto& pair = reference_case("pair_trunc16");
  const auto& trunc = reference_case("trunc16");
  json line1 = {{"text", pair["text"]}, {"text_pair", pair["text_pair"]}};
  json line2 = {{"text", trunc["text"]}, {"text_pair", nullptr}};
  write(dir / "in.jsonl", line1.dump() + "\n\n" + line2.dump() + "\n");
  const auto result = run_command(tokenize_command("--format jsonl --max-length 16 --input " +
                                                   shell_quote((dir / "in.jsonl").string())));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto rows = parse_lines(result.output);
  REQUIRE(rows.size() == 2);
  check_matches(rows[0], pair);
  check_matches(rows[1], trunc);
}

TEST_CASE("mtlab tokenize reads plain text lines from a file or stdin, --padding pads them", "[cli][tokenize]") {
  const auto dir = scratch_dir("cmd-tokenize-text");
  write(dir / "in.txt", "Cricket is an amazing sport.\r\nx\n");
  const auto from_file = run_command(tokenize_command("--format jsonl --padding --input " +
                                                      shell_quote((dir / "in.txt").string())));
  INFO(from_file.output);
  REQUIRE(from_file.exit_code == 0);
  const auto rows = parse_lines(from_file.output);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["input_ids"] == reference_case("s00")["input_ids"]);
  CHECK(rows[1]["tokens"] == json::array({"[CLS]", "x", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"}));
  CHECK(rows[1]["attention_mask"] == json::array({1, 1, 1, 0, 0, 0, 0, 0}));

  const auto from_stdin = run_command("printf 'x\\ny\\n' | " + tokenize_command("--format jsonl"));
  REQUIRE(from_stdin.exit_code == 0);
  const auto stdin_rows = parse_lines(from_stdin.output);
  REQUIRE(stdin_rows.size() == 2);
  CHECK(stdin_rows[1]["tokens"] == json::array({"[CLS]", "y", "[SEP]"}));
}

TEST_CASE("mtlab tokenize --format table shows tokens over their ids", "[cli][tokenize]") {
  const auto result = run_command(tokenize_command("--format table " + shell_quote("Dhoni is a superstar.")));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK(result.output.find("[1] Dhoni is a superstar.") != std::string::npos);
  CHECK(result.output.find("token  [CLS]  dh     ##oni  is    a     superstar  .     [SEP]") != std::string::npos);
  CHECK(result.output.find("id     101    28144  10698  2003  1037  18795      1012  102") != std::string::npos);
}

TEST_CASE("mtlab tokenize names the file and line of invalid input", "[cli][tokenize]") {
  const auto dir = scratch_dir("cmd-tokenize-bad");
  write(dir / "bad.txt", "fine\nalso fine\nbro\xff" "ken\n");
  auto result = run_command(tokenize_command("--format jsonl --input " + shell_quote((dir / "bad.txt").string())));
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("bad.txt:3: invalid UTF-8 at byte 3 (0xFF)") != std::string::npos);

  write(dir / "bad.jsonl", "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
  result = run_command(tokenize_command("--input " + shell_quote((dir / "bad.jsonl").string())));
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("bad.jsonl:2: expected an object with a string \"text\"") != std::string::npos);

  result = run_command(tokenize_command("--max-length 2 abc"));
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("argument 1: max_length 2") != std::string::npos);
}

TEST_CASE("mtlab tokenize picks the backbone plugin by config.json's model_type, or --backbone", "[cli][tokenize]") {
  const std::string exe = shell_quote(mtlab_executable().string());
  // RoBERTa's folder gets the roberta plugin and its byte-level BPE ("Ġworld": 232 in roberta-base).
  auto result = run_command(exe + " tokenize --format jsonl --model " +
                            shell_quote((fixtures_dir() / "tiny-roberta").string()) + " \"hello world\"");
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("\"input_ids\":[0,42891,232,2]") != std::string::npos);
  const auto other = scratch_dir("cmd-tokenize-unknown-type");
  write(other / "config.json", R"({"model_type": "xlm-roberta"})");
  result = run_command(exe + " tokenize --format jsonl --model " + shell_quote(other.string()) + " hello");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("config.json: model_type \"xlm-roberta\" has no backbone plugin; supported model "
                           "types: bert, distilbert, electra, roberta") != std::string::npos);

  // A tokenizer-only folder has no config.json: --backbone names the plugin.
  const auto dir = scratch_dir("cmd-tokenize-vocab-only");
  for (const char* file : {"vocab.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
    std::filesystem::copy_file(fixtures_dir() / "tiny-bert" / file, dir / file,
                               std::filesystem::copy_options::overwrite_existing);
  }
  result = run_command(exe + " tokenize --format jsonl --model " + shell_quote(dir.string()) + " hello");
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("config.json: cannot open") != std::string::npos);
  const auto from_folder = run_command(exe + " tokenize --format jsonl --backbone bert --model " +
                                       shell_quote(dir.string()) + " 'Hello there'");
  const auto from_model = run_command(tokenize_command("--format jsonl 'Hello there'"));
  CHECK(from_folder.exit_code == 0);
  CHECK(from_folder.output == from_model.output);
}
