#pragma once
// The schema of an experiment spec: every key the framework reads, with its
// type, default, range and meaning. This table is the single source of truth
// for validation, for the defaults filled into a resolved config, and for the
// reference in docs/spec.md (see reference.h). The framework keys' defaults and
// enum choices come from the option structs (mtlab/options/trial_options.h), the
// data keys' formats from mtlab/options/data_formats.h.
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab::spec {

enum class ValueType {
  boolean,
  integer,
  number,           // a float; an integer is accepted and stored as a float
  string,
  path,             // a string naming a file or folder (env-expanded, resolved against the spec's folder)
  string_list,
  integer_list,
  number_list,
  path_list,
  table,            // a table of the keys listed under it
  named_tables,     // a table of user-named tables (tasks.NAME)
  plugin_options,   // a table of the named plugin's own keys, checked against its descriptor
  number_or_table,  // optimizer.groups.NAME: a learning rate, or { lr, weight_decay }
  string_or_list,   // sweep.freeze: "scenarios" or a list of policies
  sweep_table,      // sweep.grid / sweep.zip: dotted key → list of values
  search_table,     // sweep.search: dotted key → distribution table
  value_list,       // a list of values of any one kind (sweep.search.KEY.values)
  condition_table,  // sweep.search.KEY.when: dotted key → value or list of values
  index_or_name,    // a column: an integer index or a (header) name
};

// Which paths must exist before anything runs.
enum class PathRule { none, must_exist, output };

struct KeySpec {
  std::string_view key;  // dotted; "*" stands for a user-chosen name (tasks.*.head)
  ValueType type;
  std::string_view default_toml = "";  // TOML text of the default; "" = none
  std::string_view help = "";
  bool required = false;
  double min = -std::numeric_limits<double>::infinity();  // numbers, integers and list items
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string_view> choices = {};  // allowed strings (list items too)
  std::string_view formats = "";     // data keys: the formats that read it ("" = all)
  PathRule path = PathRule::none;
  std::string_view plugin_kind = "";  // a string: it names a plugin of this kind; a table:
                                      // keys not in the schema belong to that plugin
  std::string_view plugin_key = "";   // which key (sibling, or in the table) names the plugin
  std::string_view keyword = "";      // paths: a word kept as is, not a path ("build")
  // false: how a trial is run, not what it is (worker liveness): left out of
  // the config hash, so changing it never re-runs a completed trial. Keys that
  // shipped hashed stay hashed: leaving them out would re-key recorded runs.
  bool hashed = true;
  std::vector<std::string_view> url_schemes = {};  // paths: a value starting with one ("postgresql://") is a
                                                   // URL, kept exactly as written
};

// Every key, in reference order (sections in the order of docs/spec.md).
const std::vector<KeySpec>& schema();

// The spec for a dotted pattern ("tasks.*.head"), or nullptr.
const KeySpec* find_key_spec(std::string_view pattern);

// The known child keys of a table pattern ("training" → {"epochs", ...}).
std::vector<std::string> child_keys(std::string_view table_pattern);

// The dotted keys whose KeySpec::hashed is false.
const std::vector<std::string>& unhashed_keys();

// "integer", "list of strings", "path", … as the reference and messages say it.
std::string type_name(ValueType type);

}  // namespace mtlab::spec
