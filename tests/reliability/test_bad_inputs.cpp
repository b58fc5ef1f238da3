// The bad-input matrix of docs/reliability.md, part one (no LibTorch in this
// executable): specs, plugins, data files and databases, each with the exact
// message it must give. Most cases drive the real `mtlab` executable; the data
// readers and label sets are called as the runner calls them.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "../storage/storage_fixture.h"
#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/data/dataset.h"
#include "mtlab/data/delimited_reader.h"
#include "mtlab/plugin/descriptor.h"
#include "mtlab/data/joint_reader.h"
#include "mtlab/data/jsonl_reader.h"
#include "mtlab/data/label_set.h"
#include "mtlab/storage/schema.h"
#include "reliability_helpers.h"

namespace fs = std::filesystem;
using namespace mtlab;
using mtlab::test::file_bytes;
using mtlab::test::run_mtlab;
using mtlab::test::put_file;
using mtlab::test::q;

namespace {

const fs::path libs = TEST_LIBS_DIR;

// Two tasks on generated data: valid as is (13 lines with the [training] header).
const std::string kSpec = R"([experiment]
name = "t"

[tasks.intent]
head = "sequence_classification"

[tasks.slots]
head = "token_classification"

[data]
format = "synthetic"

[training]
)";

void raw_exec(const fs::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message);
  const std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(raw);
  REQUIRE(text.empty());
  REQUIRE(rc == SQLITE_OK);
}

Config table(const nlohmann::json& j) { return Config(j, "test [data]"); }

}  // namespace

// ---- specs ------------------------------------------------------------------------

TEST_CASE("malformed TOML: one line naming file:line:col and the syntax error", "[reliability][spec]") {
  const auto dir = test::scratch_dir("rel_toml");
  const auto file = put_file(dir / "exp.toml", "[experiment]\nname = \"t\"\nseed = = 3\n");
  const auto r = run_mtlab("validate --skip-plugins " + q(file));
  CHECK(r.exit_code == 1);
  CHECK(r.output == file.string() + ":3:8: TOML syntax error: Error while parsing value: could not determine value type\n" + file.string() +
                        ": 1 problem\n");
  const auto unclosed = put_file(dir / "unclosed.toml", "[experiment\nname = \"t\"\n");
  const auto u = run_mtlab("validate --skip-plugins " + q(unclosed));
  CHECK(u.exit_code == 1);
  CHECK(u.output == unclosed.string() + ":1:12: TOML syntax error: Error while parsing table header: expected ']', saw '\\n'\n" +
                        unclosed.string() + ": 1 problem\n");
}

TEST_CASE("unknown, mistyped and out-of-range keys, absurd sizes included, are each named", "[reliability][spec]") {
  const auto dir = test::scratch_dir("rel_keys");
  const auto file = put_file(dir / "exp.toml", kSpec +
                                                   "batch_sise = 8\n"                 // 14 unknown
                                                   "epochs = \"3\"\n"                 // 15 mistyped
                                                   "batch_size = 1000000000000\n"     // 16 10^12
                                                   "grad_accumulation = -2\n"         // 17 below the range
                                                   "[backbone.init]\n"                //
                                                   "num_layers = 1000000\n"           // 19 10^6 layers
                                                   "hidden_size = 1000000000\n"       // 20 huge width
                                                   "intermediate_size = 1e12\n");     // 21 a float for an integer
  const auto r = run_mtlab("validate " + q(file));  // with the plugins: [backbone.init] is the bert plugin's
  CHECK(r.exit_code == 1);
  const std::string f = file.string();
  CHECK(r.output == f + ":14:1: training.batch_sise: unknown key (did you mean 'batch_size'?)\n" +
                        f + ":15:1: training.epochs: expected an integer, got a string \"3\"\n" +
                        f + ":16:1: training.batch_size: 1000000000000 is out of range, expected an integer in [1, 65536]\n" +
                        f + ":17:1: training.grad_accumulation: -2 is out of range, expected an integer in [1, 4096]\n" +
                        f + ":19:1: backbone.init.num_layers: 1000000 is out of range, expected an integer in [1, 128]\n" +
                        f + ":20:1: backbone.init.hidden_size: 1000000000 is out of range, expected an integer in [1, 16384]\n" +
                        f + ":21:1: backbone.init.intermediate_size: expected int (plugin 'bert' declares it so), got a float 1000000000000.0\n" +
                        f + ": 7 problems\n");
}

TEST_CASE("absurd sizes are refused by validation, before any file, database or tensor exists", "[reliability][spec]") {
  const auto dir = test::scratch_dir("rel_absurd_run");
  const auto file = put_file(dir / "exp.toml", kSpec + "batch_size = 1000000000000\n[backbone.init]\nnum_layers = 1000000\n");
  const auto r = run_mtlab("run --no-progress " + q(file));
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: " + file.string() +
                        ":14:1: training.batch_size: 1000000000000 is out of range, expected an integer in [1, 65536]\n" +
                        file.string() +
                        ":16:1: backbone.init.num_layers: 1000000 is out of range, expected an integer in [1, 128]\n");
  // Nothing was created: the run stopped at validation.
  CHECK_FALSE(fs::exists(dir / "results.db"));
  CHECK_FALSE(fs::exists(dir / "runs"));
}

TEST_CASE("a spec naming a missing plugin, task or file is refused with what exists", "[reliability][spec]") {
  const auto dir = test::scratch_dir("rel_missing");
  const std::string f = (dir / "exp.toml").string();
  SECTION("a head plugin that does not exist (real plugins from the build tree)") {
    put_file(f, "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = \"sequence_clasification\"\n[data]\nformat = \"synthetic\"\n");
    const auto r = run_mtlab("validate " + q(f));
    CHECK(r.exit_code == 1);
    CHECK(r.output == f + ":4:1: tasks.intent.head: no head plugin named 'sequence_clasification' (did you mean "
                              "'sequence_classification'?); available: crf, masked_lm, sequence_classification, token_classification\n" +
                          f + ": 1 problem\n");
  }
  SECTION("a task that does not exist, in a freeze policy and a learning-rate group") {
    put_file(f, kSpec + "freeze = \"head:intnet\"\n[optimizer.groups]\nslot = 1e-4\n");
    const auto r = run_mtlab("validate --skip-plugins " + q(f));
    CHECK(r.exit_code == 1);
    CHECK(r.output == f + ":14:1: training.freeze: 'head:intnet': no task named 'intnet' (did you mean 'intent'?); "
                              "tasks: intent, slots\n" +
                          f + ":16:1: optimizer.groups.slot: no parameter group named 'slot' (did you mean 'slots'?); "
                              "groups: embeddings, encoder, pooler, backbone, heads, intent, slots\n" +
                          f + ": 2 problems\n");
  }
  SECTION("a data file, a checkpoint folder and a plugin folder that do not exist") {
    put_file(f,
             "[experiment]\nname = \"t\"\n[tasks.intent]\nhead = \"sequence_classification\"\n[data]\nformat = \"tsv\"\n"
             "train = \"missing.tsv\"\n[backbone]\ncheckpoint = \"/nonexistent/bert\"\n[plugins]\npaths = [\"my_plugins\"]\n");
    const auto r = run_mtlab("validate --skip-plugins " + q(f));
    CHECK(r.exit_code == 1);
    CHECK(r.output == f + ":7:1: data.train: 'missing.tsv' does not exist (resolved to " + (dir / "missing.tsv").string() +
                          ")\n" + f + ":9:1: backbone.checkpoint: '/nonexistent/bert' does not exist\n" + f +
                          ":11:10: plugins.paths[0]: 'my_plugins' does not exist (resolved to " +
                          (dir / "my_plugins").string() + ")\n" + f + ": 3 problems\n");
  }
  SECTION("a spec file that does not exist") {
    const auto r = run_mtlab("validate " + q(dir / "nope.toml"));
    CHECK(r.exit_code == 1);
    CHECK(r.output == (dir / "nope.toml").string() + ": spec file not found\n" + (dir / "nope.toml").string() +
                          ": 1 problem\n");
  }
}

// ---- plugins ----------------------------------------------------------------------

TEST_CASE("a non-plugin .so and an ABI mismatch are one-line errors naming the file", "[reliability][plugin]") {
  const auto text = libs / "not_a_library.so";
  auto r = run_mtlab("plugins --check " + q(text));
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: " + text.string() + ": not a loadable shared library (not an ELF file; expected a "
                        "plugin built with MTLAB_PLUGIN for this system)\n");

  const auto plain = libs / "no_descriptor.so";
  r = run_mtlab("plugins --check " + q(plain));
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: " + plain.string() +
                        ": not an mtlab plugin (it exports no 'mtlab_plugin_descriptor' descriptor; define one with "
                        "MTLAB_PLUGIN)\n");

  const auto future = libs / "bad_abi.so";
  r = run_mtlab("plugins --check " + q(future));
  CHECK(r.exit_code == 1);
  // bad_abi.so declares kAbiVersion + 41.
  const auto abi = std::to_string(mtlab::plugin::kAbiVersion), future_abi = std::to_string(mtlab::plugin::kAbiVersion + 41);
  CHECK(r.output == "mtlab: error: " + future.string() + ": plugin ABI version " + future_abi +
                        " does not match this mtlab's ABI version " + abi + "; rebuild the plugin against this mtlab\n");

  // On the search path the same files are skipped with a warning, and the good plugin still loads.
  r = run_mtlab("plugins --path " + q(libs));
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("warning: " + future.string() + ": plugin ABI version " + future_abi + " does not match") !=
        std::string::npos);
  CHECK(r.output.find("warning: " + text.string() + ": not a loadable shared library") != std::string::npos);
  CHECK(r.output.find("cross_entropy") != std::string::npos);
}

// ---- data files -------------------------------------------------------------------

TEST_CASE("data files: bad UTF-8, tag/token counts, empty splits, unknown labels", "[reliability][data]") {
  const auto dir = test::scratch_dir("rel_data");
  SECTION("bad UTF-8 in a TSV file names file:line and the byte") {
    const auto f = put_file(dir / "bad.tsv", "fine\t1\nbro\xE9ken\t0\n");
    CHECK_THROWS_WITH(read_dataset(table({{"format", "tsv"}, {"train", f.string()}})),
                      f.string() + ":2: invalid UTF-8 (byte 0xE9 at column 4); if the file is Latin-1, set encoding = "
                                   "\"latin-1\"");
    // With the encoding the file really has, it reads.
    CHECK(read_dataset(table({{"format", "tsv"}, {"train", f.string()}, {"encoding", "latin-1"}})).train.at(1).text ==
          "bro\xC3\xA9ken");
  }
  SECTION("bad UTF-8 in a JSON Lines file") {
    const auto f = put_file(dir / "bad.jsonl", "{\"text\": \"ok\", \"label\": \"a\"}\n{\"text\": \"\xFF\", \"label\": \"b\"}\n");
    CHECK_THROWS_WITH(read_jsonl(f, {}), f.string() + ":2: invalid UTF-8 (byte 0xFF at column 11); if the file is "
                                                      "Latin-1, set encoding = \"latin-1\"");
  }
  SECTION("tags and words of different counts") {
    const auto folder = dir / "joint";
    put_file(folder / "seq.in", "fly to boston\n");
    put_file(folder / "seq.out", "O O\n");
    put_file(folder / "label", "flight\n");
    CHECK_THROWS_WITH(read_joint(folder, {}), (folder / "seq.out").string() + ":1: 2 tags for 3 words in " +
                                                  (folder / "seq.in").string() + ":1; expected one tag per word");
    const auto f = put_file(dir / "count.jsonl", "{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n");
    CHECK_THROWS_WITH(read_jsonl(f, {}), f.string() + ":1: 1 tags for 2 tokens; expected one tag per token");
  }
  SECTION("empty splits") {
    const auto train = put_file(dir / "empty.tsv", "");
    CHECK_THROWS_WITH(read_dataset(table({{"format", "tsv"}, {"train", train.string()}})),
                      train.string() + ": no examples in the train split (empty file?)");
    const auto good = put_file(dir / "good.tsv", "a\t1\n");
    const auto dev = put_file(dir / "blank.tsv", "\n\n");
    CHECK_THROWS_WITH(read_dataset(table({{"format", "tsv"}, {"train", good.string()}, {"dev", dev.string()}})),
                      dev.string() + ": no examples in the dev split (empty file?)");
  }
  SECTION("labels never seen in training are counted as errors, with one warning naming them") {
    const LabelSet set = LabelSet::build({"flight", "airfare"});
    EncodedSplit encoded;
    const auto warning = test::capture_stderr(
        [&] { encoded = encode_split(set, {"flight", "day_name", "day_name", "meal"}, "intent", "dev"); });
    CHECK(warning == "warning: intent (dev): 2 label(s) never seen in training, counted as errors: day_name (2), meal (1)\n");
    CHECK(encoded.ids == std::vector<std::int64_t>{1, LabelSet::kUnknown, LabelSet::kUnknown, LabelSet::kUnknown});
  }
}

// ---- databases --------------------------------------------------------------------

TEST_CASE("a database from a newer schema version is refused by every command, untouched", "[reliability][storage]") {
  const auto dir = test::scratch_dir("rel_newer_db");
  const auto db = dir / "newer.db";
  test::fill_fixture(db);
  raw_exec(db, "INSERT INTO schema_version VALUES (99, '2030-01-01T00:00:00.000Z', 'from the future');");
  const std::string before = file_bytes(db);
  const std::string expected = db.string() + ": the database has schema version 99, newer than this mtlab understands "
                                             "(expected at most version " +
                               std::to_string(storage::current_schema_version()) +
                               "); it was written by a newer mtlab: use that version, or a new database file\n";
  for (const std::string command : {"runs " + q(db), "compare " + q(db) + " --experiment freeze --metric intent.dev.accuracy",
                                    "export " + q(db) + " --experiment freeze"}) {
    INFO(command);
    const auto r = run_mtlab(command);
    CHECK(r.exit_code == 1);
    CHECK(r.output == "mtlab: error: " + expected);
  }
  // `mtlab run` into it: refused before any trial runs, and nothing written.
  const auto spec = put_file(dir / "exp.toml", "[experiment]\nname = \"t\"\ndatabase = \"newer.db\"\n" +
                                                   kSpec.substr(kSpec.find("[tasks")) + "epochs = 1\n");
  const auto r = run_mtlab("run --no-progress " + q(spec));
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: " + expected);
  CHECK(file_bytes(db) == before);
  CHECK_FALSE(fs::exists(dir / "runs"));
}

TEST_CASE("mtlab query: a write statement or a second statement is refused, the file untouched", "[reliability][storage]") {
  const auto db = test::scratch_dir("rel_query") / "results.db";
  test::fill_fixture(db);
  const std::string before = file_bytes(db);
  const std::string expected_tail =
      " (expected a SELECT, WITH, EXPLAIN or read-only PRAGMA; use the sqlite3 tool to change a results database)\n";
  auto r = run_mtlab("query " + q(db) + " 'DELETE FROM runs'");
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: mtlab query is read-only: the DELETE statement would modify the database, and the "
                    "database is opened read-only" + expected_tail);
  r = run_mtlab("query " + q(db) + " 'SELECT count(*) FROM runs; DELETE FROM runs'");
  CHECK(r.exit_code == 1);
  CHECK(r.output == "mtlab: error: mtlab query: only one SQL statement is allowed, but more follows the first ';' (at "
                    "\"DELETE FROM runs\"); run the statements one at a time\n");
  r = run_mtlab("query " + q(db) + " 'SELECT count(*) AS n FROM runs' --csv");
  CHECK(r.exit_code == 0);
  CHECK(r.output == "n\r\n8\r\n");
  CHECK(file_bytes(db) == before);
}
