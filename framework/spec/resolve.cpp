#include "resolve.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/core/json_file.h"
#include "mtlab/core/suggest.h"
#include "mtlab/spec/document.h"
#include "mtlab/options/data_formats.h"
#include "mtlab/options/env_expand.h"
#include "mtlab/options/freeze_spec.h"
#include "mtlab/spec/schema.h"
#include "toml_convert.h"

namespace mtlab::spec::detail {
namespace {

namespace fs = std::filesystem;
using T = ValueType;

// The deepest encoder layers:K may name when the backbone cannot say (a checkpoint,
// no catalog, or a plugin without BackboneHooks::num_layers).
constexpr std::int64_t kMaxEncoderLayers = 128;

std::string child(const std::string& prefix, const std::string& name) {
  // A prefix without quotes is its own join_key(split_key(prefix)): append the name directly.
  if (prefix.find('"') == std::string::npos) return child_key(prefix, name);
  auto parts = split_key(prefix);
  parts.push_back(name);
  return join_key(parts);
}

std::string pattern_child(const std::string& pattern, const std::string& name) {
  return pattern.empty() ? name : pattern + "." + name;
}

std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

std::string range_text(const KeySpec& spec) {
  const bool has_min = std::isfinite(spec.min), has_max = std::isfinite(spec.max);
  if (has_min && has_max) return fmt::format("[{}, {}]", number_text(spec.min), number_text(spec.max));
  if (has_min) return fmt::format(">= {}", number_text(spec.min));
  if (has_max) return fmt::format("<= {}", number_text(spec.max));
  return "";
}

std::string expected_phrase(ValueType type) {
  switch (type) {
    case T::boolean: return "a boolean (true or false)";
    case T::integer: return "an integer";
    case T::number: return "a number";
    case T::string: return "a string";
    case T::path: return "a path (a string)";
    case T::string_list: return "a list of strings";
    case T::integer_list: return "a list of integers";
    case T::number_list: return "a list of numbers";
    case T::path_list: return "a list of paths";
    case T::number_or_table: return "a number or a table { lr, weight_decay }";
    default: return "a table";
  }
}

std::vector<std::string> choice_list(const KeySpec& spec) {
  std::vector<std::string> out;
  for (auto c : spec.choices) out.emplace_back(c.empty() ? "\"\"" : std::string(c));
  return out;
}

std::vector<std::string> task_names(const nlohmann::json& config) {
  std::vector<std::string> out;
  if (auto it = config.find("tasks"); it != config.end() && it->is_object()) {
    for (auto t = it->begin(); t != it->end(); ++t) out.push_back(t.key());
  }
  return out;
}

class Resolver {
 public:
  Resolver(nlohmann::json& config, const ResolveContext& ctx) : config_(config), ctx_(ctx) {}

  // Defaults first, so they are resolved (paths made absolute) like written values.
  void run() {
    const bool plugin_written = get_at(config_, "backbone.plugin") != nullptr;
    fill_defaults();
    walk_table(config_, "", "");
    if (!plugin_written) infer_backbone_plugin();
    cross_check();
  }

 private:
  nlohmann::json& config_;
  const ResolveContext& ctx_;

  void error(const std::string& key, std::string message) const { ctx_.error(key, std::move(message)); }

  // ---- walking the tree ----------------------------------------------------

  void walk_table(nlohmann::json& table, const std::string& pattern, const std::string& key) {
    std::vector<std::string> drop;
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string name = it.key();
      const std::string k = child(key, name);
      if (pattern.empty() && name == "sweep") continue;  // expanded before resolution
      const KeySpec* spec = find_key_spec(pattern_child(pattern, name));
      if (!spec) spec = find_key_spec(pattern_child(pattern, "*"));
      if (!spec) {
        const KeySpec* section = find_key_spec(pattern);
        if (section && section->type == T::table && !section->plugin_kind.empty()) {
          check_section_plugin_key(table, *section, k, name);
        } else {
          unknown_key(k, name, pattern);
        }
        continue;
      }
      if (!spec->formats.empty() && !format_allows(table, *spec)) {
        error(k, fmt::format("applies to format {} only, not '{}'", join(split_formats(spec->formats), " or "),
                             table.value("format", std::string())));
        continue;
      }
      // A rejected value, or a path unset with "", leaves the config.
      if (!check_value(it.value(), *spec, k) || it.value().is_null()) drop.push_back(name);
    }
    for (const auto& name : drop) table.erase(name);
  }

  static std::vector<std::string> split_formats(std::string_view formats) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : formats) {
      if (c == ',') {
        out.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    out.push_back(cur);
    return out;
  }

  static bool format_allows(const nlohmann::json& table, const KeySpec& spec) {
    auto f = table.find("format");
    if (f == table.end() || !f->is_string()) return true;  // the missing/wrong format is reported itself
    for (const auto& allowed : split_formats(spec.formats)) {
      if (allowed == f->get<std::string>()) return true;
    }
    return false;
  }

  void unknown_key(const std::string& k, const std::string& name, const std::string& pattern) {
    const auto known = child_keys(pattern);
    error(k, "unknown key" + did_you_mean_or(name, known, known.empty() ? "" : "; expected one of: " + join(known)));
  }

  // Returns false when the value is unusable and should be dropped (its error is recorded).
  bool check_value(nlohmann::json& v, const KeySpec& spec, const std::string& k) {
    switch (spec.type) {
      case T::table:
        if (!v.is_object()) return type_error(v, spec, k);
        if (spec.key == "backbone.init") {
          // The backbone plugin's own keys ("init.NAME"); without a catalog it checks them when made.
          if (const auto* p = backbone_plugin()) check_plugin_init(v, *p, k);
        } else {
          walk_table(v, std::string(spec.key), k);
        }
        return true;
      case T::named_tables:
        if (!v.is_object()) return type_error(v, spec, k);
        for (auto it = v.begin(); it != v.end(); ++it) {
          const std::string name = it.key();
          const std::string ck = child(k, name);
          if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                                  std::string::npos) {
            error(ck, "a task name may hold only letters, digits, '_' and '-'");
          }
          if (!it->is_object()) {
            error(ck, "expected a table [" + ck + "], got " + describe(*it));
            continue;
          }
          walk_table(*it, std::string(spec.key) + ".*", ck);
        }
        return true;
      case T::plugin_options:
        if (!v.is_object()) return type_error(v, spec, k);
        check_plugin_options(v, spec, k);
        return true;
      case T::number_or_table:
        if (v.is_object()) {
          walk_table(v, std::string(spec.key), k);
          return true;
        }
        return check_scalar(v, spec, T::number, k);
      case T::string_list:
      case T::integer_list:
      case T::number_list:
      case T::path_list: {
        if (!v.is_array()) return type_error(v, spec, k);
        const ValueType item = spec.type == T::string_list    ? T::string
                               : spec.type == T::integer_list ? T::integer
                               : spec.type == T::number_list  ? T::number
                                                              : T::path;
        bool ok = true;
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (!check_scalar(v[i], spec, item, fmt::format("{}[{}]", k, i), /*list_of=*/spec.type)) ok = false;
        }
        if (!ok) return false;
        // Empty paths ("") were dropped to null: take them out of the list.
        v.erase(std::remove_if(v.begin(), v.end(), [](const auto& x) { return x.is_null(); }), v.end());
        return true;
      }
      default:
        return check_scalar(v, spec, spec.type, k);
    }
  }

  bool type_error(const nlohmann::json& v, const KeySpec& spec, const std::string& k, ValueType expected) {
    error(k, fmt::format("expected {}, got {}", expected_phrase(expected), describe(v)));
    (void)spec;
    return false;
  }
  bool type_error(const nlohmann::json& v, const KeySpec& spec, const std::string& k) {
    return type_error(v, spec, k, spec.type);
  }

  bool check_scalar(nlohmann::json& v, const KeySpec& spec, ValueType type, const std::string& k,
                    ValueType list_of = T::table) {
    const bool in_list = list_of != T::table;
    auto wrong = [&] {
      return type_error(v, spec, in_list ? k.substr(0, k.rfind('[')) : k, in_list ? list_of : type);
    };
    switch (type) {
      case T::boolean:
        return v.is_boolean() ? true : wrong();
      case T::integer: {
        if (!v.is_number_integer()) return wrong();
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
          error(k, fmt::format("{} is out of range, expected an integer in {}", v.dump(), range_text(spec)));
          return false;
        }
        const auto i = v.get<std::int64_t>();
        if (static_cast<double>(i) < spec.min || static_cast<double>(i) > spec.max) {
          error(k, fmt::format("{} is out of range, expected an integer in {}", i, range_text(spec)));
          return false;
        }
        return true;
      }
      case T::number: {
        if (!v.is_number()) return wrong();
        const double d = v.get<double>();
        if (!std::isfinite(d)) {
          error(k, fmt::format("{} is not a finite number", d));
          return false;
        }
        if (d < spec.min || d > spec.max) {
          error(k, fmt::format("{} is out of range, expected a number in {}", number_text(d), range_text(spec)));
          return false;
        }
        v = d;  // 1 and 1.0 are one value: same JSON, same hash
        return true;
      }
      case T::string: {
        if (!v.is_string()) return wrong();
        const std::string s = v.get<std::string>();
        if (!spec.choices.empty()) {
          std::vector<std::string> choices(spec.choices.begin(), spec.choices.end());
          if (std::find(choices.begin(), choices.end(), s) == choices.end()) {
            error(k, fmt::format("'{}' is not one of {}{}", s, join(choice_list(spec)), did_you_mean(s, choices)));
            return false;
          }
        }
        if (!spec.plugin_kind.empty()) check_plugin_name(s, spec.plugin_kind, k);
        return true;
      }
      case T::path:
        if (!v.is_string()) return wrong();
        if (!spec.keyword.empty() && v == spec.keyword) return true;
        for (const auto scheme : spec.url_schemes) {
          if (v.get<std::string>().rfind(scheme, 0) == 0) return true;  // a URL, not a path of the spec's folder
        }
        return resolve_path(v, spec, k);
      case T::index_or_name:
        if (v.is_string() && !v.get<std::string>().empty()) return true;
        if (!v.is_number_integer()) {
          error(k, fmt::format("expected a column index (an integer, negative from the end) or a column name, got {}", describe(v)));
          return false;
        }
        return check_scalar(v, spec, T::integer, k);
      default:
        return wrong();
    }
  }

  bool resolve_path(nlohmann::json& v, const KeySpec& spec, const std::string& k) {
    const std::string written = v.get<std::string>();
    if (written.empty()) {
      v = nullptr;  // "" unsets an optional path (--set data.dev=\"\")
      return true;
    }
    const Location loc = ctx_.where(k);
    fs::path p;
    try {
      p = resolve_env_path(written, loc.base_dir()).lexically_normal();
    } catch (const Error& e) {
      error(k, e.what());
      return false;
    }
    v = p.string();
    if (spec.path == PathRule::must_exist && ctx_.check_files && !fs::exists(p)) {
      error(k, written == p.string() ? fmt::format("'{}' does not exist", written)
                                     : fmt::format("'{}' does not exist (resolved to {})", written, p.string()));
      return false;
    }
    return true;
  }

  // ---- plugins ---------------------------------------------------------------

  // The plugin named by `key` in `table`, or by the key's default; nullptr when
  // plugins are not checked or the name is unknown (reported on the name itself).
  const plugin::PluginInfo* named_plugin(const nlohmann::json& table, std::string_view kind, std::string_view key,
                                         const std::string& pattern, std::string* name_out = nullptr) const {
    std::string name;
    if (auto it = table.find(std::string(key)); it != table.end() && it->is_string()) {
      name = it->get<std::string>();
    } else {
      const KeySpec* ps = find_key_spec(pattern_child(pattern, std::string(key)));
      if (!ps || ps->default_toml.size() < 2) return nullptr;
      name = std::string(ps->default_toml.substr(1, ps->default_toml.size() - 2));
    }
    if (name_out) *name_out = name;
    return find_plugin(kind, name);
  }

  // A key of [backbone] or [optimizer] that the schema does not know: the plugin's.
  void check_section_plugin_key(const nlohmann::json& table, const KeySpec& section, const std::string& k,
                                const std::string& name) {
    if (!ctx_.plugins) return;  // no catalog: the plugin checks its own keys when it is made
    std::string plugin_name;
    const plugin::PluginInfo* p = named_plugin(table, section.plugin_kind, section.plugin_key, std::string(section.key), &plugin_name);
    if (!p) return;
    const auto info = std::find_if(p->keys.begin(), p->keys.end(), [&](const auto& ki) { return ki.name == name; });
    if (info == p->keys.end()) {
      auto known = child_keys(section.key);
      std::vector<std::string> own;  // the plugin's keys the schema does not already list (init.NAME: inside [init])
      for (const auto& n : p->key_names()) {
        if (n.find('.') == std::string::npos && std::find(known.begin(), known.end(), n) == known.end()) own.push_back(n);
      }
      std::string message = "unknown key" + did_you_mean(name, [&] { auto all = known; all.insert(all.end(), own.begin(), own.end()); return all; }());
      if (message == "unknown key") {
        message += fmt::format("; expected one of: {}, or a key of {} plugin '{}'{}", join(known), section.plugin_kind,
                               plugin_name, own.empty() ? " (it takes none)" : ": " + join(own));
      }
      error(k, message);
      return;
    }
    check_plugin_value(table.at(name), *info, plugin_name, k);
  }

  const plugin::PluginInfo* find_plugin(std::string_view kind, const std::string& name) const {
    if (!ctx_.plugins) return nullptr;
    for (const auto& p : *ctx_.plugins) {
      if (plugin::kind_name(p.kind) == kind && p.name == name) return &p;
    }
    return nullptr;
  }

  void check_plugin_name(const std::string& name, std::string_view kind, const std::string& k) {
    if (!ctx_.plugins || find_plugin(kind, name)) return;
    std::vector<std::string> names;
    for (const auto& p : *ctx_.plugins) {
      if (plugin::kind_name(p.kind) == kind) names.push_back(p.name);
    }
    error(k, fmt::format("no {} plugin named '{}'{}; available: {}", kind, name, did_you_mean(name, names),
                         names.empty() ? "none on the plugin search path (mtlab plugins)" : join(names)));
  }

  void check_plugin_options(nlohmann::json& table, const KeySpec& spec, const std::string& k) {
    if (!ctx_.plugins) return;
    // The plugin is named by a sibling key (tasks.NAME.head for tasks.NAME.head_config).
    auto parts = split_key(k);
    parts.pop_back();
    const nlohmann::json* parent = get_at(config_, join_key(parts));
    const std::string pattern(spec.key.substr(0, spec.key.rfind('.')));
    std::string name;
    const plugin::PluginInfo* p =
        parent ? named_plugin(*parent, spec.plugin_kind, spec.plugin_key, pattern, &name) : nullptr;
    if (!p) return;  // the unknown plugin name is reported on its own key
    const auto known = p->key_names();
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string ck = child(k, it.key());
      const auto key_info = std::find_if(p->keys.begin(), p->keys.end(), [&](const auto& ki) { return ki.name == it.key(); });
      if (key_info == p->keys.end()) {
        error(ck, fmt::format("unknown key for {} plugin '{}'{}", spec.plugin_kind, name,
                              did_you_mean_or(it.key(), known, known.empty() ? "; it takes no keys" : "; its keys: " + join(known))));
        continue;
      }
      check_plugin_value(*it, *key_info, name, ck);
    }
  }

  // [backbone.init] belongs to the backbone plugin: its keys are the plugin's "init.NAME" keys.
  void check_plugin_init(const nlohmann::json& table, const plugin::PluginInfo& p, const std::string& k) {
    std::vector<std::string> known;
    for (const auto& ki : p.keys) {
      if (ki.name.rfind("init.", 0) == 0) known.push_back(ki.name.substr(5));
    }
    for (auto it = table.begin(); it != table.end(); ++it) {
      const std::string ck = child(k, it.key());
      const auto info = std::find_if(p.keys.begin(), p.keys.end(), [&](const auto& ki) { return ki.name == "init." + it.key(); });
      if (info == p.keys.end()) {
        error(ck, fmt::format("unknown key for backbone plugin '{}'{}", p.name,
                              did_you_mean_or(it.key(), known, known.empty() ? "; it declares no init keys"
                                                                               : "; its init keys: " + join(known))));
      } else {
        check_plugin_value(*it, *info, p.name, ck);
      }
    }
  }

  // A plugin key's value against its declaration: the type, then the range or
  // choices it declares, said as for the framework's own keys.
  void check_plugin_value(const nlohmann::json& v, const plugin::KeyInfo& info, const std::string& plugin_name,
                          const std::string& k) {
    if (!plugin_type_ok(v, info.type)) {
      error(k, fmt::format("expected {} (plugin '{}' declares it so), got {}", info.type, plugin_name, describe(v)));
      return;
    }
    const bool list = info.type.rfind("list<", 0) == 0;
    const std::string item = list ? info.type.substr(5, info.type.size() - 6) : info.type;
    const ValueType type = item == "int" ? T::integer : item == "float" ? T::number : item == "string" ? T::string : T::table;
    if (type == T::table) return;  // bool, table, or a type the plugin checks itself
    KeySpec declared{.key = info.name, .type = type, .min = info.min, .max = info.max};
    for (const auto& c : info.choices) declared.choices.push_back(c);
    nlohmann::json copy = v;  // checked, not normalised: the trial keeps what the user wrote
    if (!list) {
      check_scalar(copy, declared, type, k);
      return;
    }
    for (std::size_t i = 0; i < copy.size(); ++i) check_scalar(copy[i], declared, type, fmt::format("{}[{}]", k, i));
  }

  static bool plugin_type_ok(const nlohmann::json& v, const std::string& type) {
    auto scalar_ok = [](const nlohmann::json& x, std::string_view t) {
      if (t == "int") return x.is_number_integer();
      if (t == "float") return x.is_number();
      if (t == "bool") return x.is_boolean();
      if (t == "string") return x.is_string();
      if (t == "table") return x.is_object();
      return true;  // a type this validator does not know: the plugin checks it
    };
    if (type.rfind("list<", 0) == 0 && type.back() == '>') {
      if (!v.is_array()) return false;
      const std::string item = type.substr(5, type.size() - 6);
      return std::all_of(v.begin(), v.end(), [&](const auto& x) { return scalar_ok(x, item); });
    }
    return scalar_ok(v, type);
  }

  // ---- defaults ----------------------------------------------------------------

  // The schema's defaults with their dotted keys split, parsed once: every trial of a sweep
  // fills them, and parsing ~100 TOML snippets per trial was most of a large sweep's validation.
  struct Default {
    const KeySpec* spec;
    std::vector<std::string> path;
    nlohmann::json value;
  };
  static const std::vector<Default>& schema_defaults() {
    static const std::vector<Default> defaults = [] {
      std::vector<Default> out;
      for (const auto& spec : schema()) {
        if (spec.default_toml.empty() || spec.key.rfind("sweep", 0) == 0) continue;
        const auto table = parse_toml("v = " + std::string(spec.default_toml), "schema");
        auto v = to_json(table, "schema").value["v"];
        if (spec.type == T::number && v.is_number()) v = v.get<double>();
        out.push_back({&spec, split_key(std::string(spec.key)), std::move(v)});
      }
      return out;
    }();
    return defaults;
  }

  // Fills `d`'s default into every existing instance of its parent table; `depth` indexes d.path.
  void fill_into(nlohmann::json& table, const Default& d, std::size_t depth) {
    const std::string& name = d.path[depth];
    if (depth + 1 == d.path.size()) {
      if (!d.spec->formats.empty() && !format_allows_fill(table, *d.spec)) return;
      if (!table.contains(name)) table[name] = d.value;
      return;
    }
    if (name == "*") {
      for (auto it = table.begin(); it != table.end(); ++it) {
        if (it->is_object()) fill_into(*it, d, depth + 1);
      }
      return;
    }
    auto it = table.find(name);
    if (it == table.end()) {
      if (!creates_table(name, &table == &config_)) return;
      table[name] = nlohmann::json::object();
      it = table.find(name);
    }
    if (it->is_object()) fill_into(*it, d, depth + 1);
  }

  static bool format_allows_fill(const nlohmann::json& table, const KeySpec& spec) {
    auto f = table.find("format");
    if (f == table.end() || !f->is_string()) return false;
    return format_allows(table, spec);
  }

  // Sections that always exist in a resolved config; data tables only where written.
  bool creates_table(const std::string& name, bool top) const {
    if (!top) return name == "init" && !config_["backbone"].contains("checkpoint") &&
                     !config_["backbone"].contains("from_run");
    return name != "data" && name != "tasks" && name != "sweep";
  }

  void fill_defaults() {
    for (const auto& d : schema_defaults()) fill_into(config_, d, 0);
    // A task's level, when not given, is the one its head plugin declares; ""
    // (no catalog, or a head that declares none) leaves it to the head object.
    if (auto tasks = config_.find("tasks"); tasks != config_.end() && tasks->is_object()) {
      // (json::value() throws on a present key of another type: head = 32 is
      // reported by validation, it must not escape from here.)
      for (auto& task : *tasks) {
        if (!task.is_object()) continue;
        if (auto level = task.find("level"); level != task.end() && *level != "") continue;
        const auto head = task.find("head");
        const auto* plugin = head != task.end() && head->is_string() ? find_plugin("head", head->get<std::string>()) : nullptr;
        task["level"] = plugin ? plugin->level : "";
      }
      // A head with its own loss (crf) takes no loss plugin: no default is recorded
      // for it (one written is refused by check_own_loss).
      for (auto it = tasks->begin(); it != tasks->end(); ++it) {
        if (!it->is_object() || ctx_.locations->count("tasks." + it.key() + ".loss")) continue;
        const auto* p = named_plugin(*it, "head", "head", "tasks.*");
        if (p && !p->own_loss.empty()) it->erase("loss");
      }
    }
  }

  // ---- references between keys ---------------------------------------------------

  void cross_check() {
    check_required();
    check_data();
    check_freeze();
    check_metric();
    check_groups();
    check_backbone();
    check_own_loss();
    check_misc();
  }

  // A head that computes its own loss (a CRF) would silently ignore a loss plugin:
  // a task that writes `loss` or `loss_config` for one is refused at that key.
  void check_own_loss() {
    for (const auto& t : task_names(config_)) {
      const auto& task = config_["tasks"][t];
      if (!task.is_object()) continue;
      std::string head;
      const auto* p = named_plugin(task, "head", "head", "tasks.*", &head);
      if (!p || p->own_loss.empty()) continue;
      for (const char* key : {"loss", "loss_config"}) {
        const std::string k = "tasks." + t + "." + key;
        if (!ctx_.locations->count(k)) continue;
        error(k, fmt::format("head '{}' computes its own loss ({}), so a loss plugin would be ignored; remove `{}`",
                             head, p->own_loss, key));
      }
    }
  }

  void check_required() {
    if (!config_.contains("experiment") || !config_["experiment"].is_object() ||
        !config_["experiment"].contains("name")) {
      error("experiment.name", "missing required key, expected a string (the experiment's name)");
    }
    const auto tasks = task_names(config_);
    if (config_.contains("embed")) {
      const auto* sentences = get_at(config_, "embed.sentences");
      if (!sentences || !sentences->is_array() || sentences->empty()) {
        error("embed.sentences", "missing or empty: an [embed] experiment needs at least one sentence");
      }
      if (config_.contains("tasks")) error("embed", "an experiment either trains [tasks] or encodes [embed], not both");
      return;
    }
    if (!config_.contains("tasks")) {
      error("tasks", "missing: define at least one task, e.g. [tasks.intent] with head = \"sequence_classification\"");
    } else if (config_["tasks"].is_object() && tasks.empty()) {
      error("tasks", "no tasks: define at least one [tasks.NAME] table");
    }
    for (const auto& t : tasks) {
      const auto& task = config_["tasks"][t];
      if (task.is_object() && !task.contains("head")) {
        error("tasks." + t + ".head", "missing required key, expected a head plugin name (e.g. sequence_classification)");
      }
    }
  }

  void check_data_table(const nlohmann::json& data, const std::string& k) {
    if (!data.is_object()) return;
    if (!data.contains("format")) {
      error(k + ".format", "missing required key, expected one of " + join(data_formats()));
      return;
    }
    if (!data["format"].is_string()) return;
    if (data.contains("dev") && data.value("dev_fraction", 0.0) > 0) {
      error(k + ".dev_fraction", "give either a dev split or dev_fraction, not both");
    }
    if (auto sep = data.find("separator"); sep != data.end() && sep->is_string()) {
      const std::string v = *sep;
      const bool conll = data["format"] == "conll";
      if (!(v.size() == 1 || v == "tab" || v == "space" || (conll && v.empty()))) {
        error(k + ".separator", fmt::format("'{}' is not one character, expected e.g. \"\\t\", \",\", \" \", \"tab\" or \"space\"{}", v,
                                             conll ? " (or \"\" for runs of whitespace)" : ""));
      }
    }
    // A train path that was written but rejected (not found) is reported already.
    if (data["format"] != "synthetic" && !data.contains("train") && !ctx_.locations->count(k + ".train")) {
      error(k + ".train", fmt::format("missing required key, expected the training split's path (format '{}')",
                                      data["format"].get<std::string>()));
    }
  }

  void check_data() {
    const bool shared = config_.contains("data") && config_["data"].is_object();
    if (shared) check_data_table(config_["data"], "data");
    for (const auto& t : task_names(config_)) {
      const auto& task = config_["tasks"][t];
      if (!task.is_object()) continue;
      if (task.contains("data")) {
        check_data_table(task["data"], "tasks." + t + ".data");
      } else if (!shared) {
        error("tasks." + t, "no data for this task: add [tasks." + t + ".data] or a shared [data] table");
      }
    }
  }

  bool new_backbone() const {
    return !get_at(config_, "backbone.checkpoint") && !get_at(config_, "backbone.from_run");
  }

  // The backbone plugin the spec names, with its hooks; nullptr without a catalog.
  // A checkpoint folder without backbone.plugin: the plugin its config.json's
  // model_type names (an ELECTRA folder needs no plugin = "electra"), where one is loaded.
  void infer_backbone_plugin() {
    const nlohmann::json* checkpoint = get_at(config_, "backbone.checkpoint");
    if (!checkpoint || !checkpoint->is_string()) return;
    const auto file = std::filesystem::path(checkpoint->get<std::string>()) / "config.json";
    std::string type;
    try {
      const auto j = read_json_file(file);
      if (j.is_object() && j.contains("model_type") && j["model_type"].is_string()) type = j["model_type"].get<std::string>();
    } catch (const std::exception&) {
      return;  // the backbone reports a folder it cannot read when it loads it
    }
    if (!type.empty() && find_plugin("backbone", type)) config_["backbone"]["plugin"] = type;
  }

  const plugin::PluginInfo* backbone_plugin() const {
    const auto b = config_.find("backbone");
    return b != config_.end() && b->is_object() ? named_plugin(*b, "backbone", "plugin", "backbone") : nullptr;
  }

  // The encoder's depth as the backbone plugin reports it for a new backbone, else the largest allowed.
  std::int64_t encoder_layers() const {
    const auto* p = backbone_plugin();
    if (!new_backbone() || !p || !p->backbone || !p->backbone->num_layers) return kMaxEncoderLayers;
    try {
      const auto n = p->backbone->num_layers(Config(config_.at("backbone"), "backbone"));
      return n > 0 ? n : kMaxEncoderLayers;
    } catch (const std::exception&) {
      return kMaxEncoderLayers;  // the plugin reports its table's problem itself
    }
  }

  void check_freeze() {
    const auto* f = get_at(config_, "training.freeze");
    if (!f || !f->is_string()) return;
    try {
      parse_freeze(f->get<std::string>(), task_names(config_), encoder_layers());
    } catch (const Error& e) {
      error("training.freeze", e.what());
    }
  }

  void check_metric() {
    const auto* m = get_at(config_, "training.metric");
    if (!m || !m->is_string()) return;
    const std::string metric = m->get<std::string>();
    if (metric == "dev.loss" || metric == "dev.sentence_accuracy") return;
    const auto parts = split_key(metric);
    const auto tasks = task_names(config_);
    const KeySpec* metrics = find_key_spec("tasks.*.metrics");
    std::vector<std::string> names(metrics->choices.begin(), metrics->choices.end());
    if (parts.size() != 3 || parts[0] != "dev") {
      error("training.metric", fmt::format("'{}' is not a dev metric, expected dev.loss, dev.sentence_accuracy or "
                                           "dev.TASK.METRIC (e.g. dev.{}.accuracy)",
                                           metric, tasks.empty() ? "intent" : tasks[0]));
    } else if (std::find(tasks.begin(), tasks.end(), parts[1]) == tasks.end()) {
      error("training.metric", fmt::format("'{}': no task named '{}'{}; tasks: {}", metric, parts[1],
                                           did_you_mean(parts[1], tasks), join(tasks)));
    } else if (std::find(names.begin(), names.end(), parts[2]) == names.end()) {
      error("training.metric", fmt::format("'{}': no metric named '{}'{}; metrics: {}", metric, parts[2],
                                           did_you_mean(parts[2], names), join(names)));
    }
  }

  void check_groups() {
    const auto* g = get_at(config_, "optimizer.groups");
    if (!g || !g->is_object()) return;
    std::vector<std::string> names = {"embeddings", "encoder", "pooler", "backbone", "heads"};
    for (const auto& t : task_names(config_)) names.push_back(t);
    for (auto it = g->begin(); it != g->end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
        error("optimizer.groups." + it.key(), fmt::format("no parameter group named '{}'{}; groups: {}", it.key(),
                                                          did_you_mean(it.key(), names), join(names)));
      }
    }
  }

  void check_backbone() {
    auto& b = config_["backbone"];
    if (!b.is_object()) return;
    // "" unsets from_run as it unsets a path (a spec extending one that fine-tunes, to train from scratch).
    if (b.contains("from_run") && b["from_run"] == "") b.erase("from_run");
    if (b.contains("checkpoint") && b.contains("from_run")) {
      error("backbone.from_run", "set either backbone.checkpoint or backbone.from_run, not both");
    }
    if (b.contains("from_run") && b["from_run"].is_string()) {
      const std::string r = b["from_run"];
      const auto slash = r.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == r.size()) {
        error("backbone.from_run", fmt::format("'{}' is not \"<experiment>/<trial>\"", r));
      }
    }
    // The architecture's own rules are the plugin's (BackboneHooks::check).
    const auto* p = backbone_plugin();
    if (!p || !p->backbone || !p->backbone->check) return;
    try {
      for (const auto& problem : p->backbone->check(Config(b, "backbone"))) error("backbone." + problem.key, problem.message);
    } catch (const std::exception& e) {
      error("backbone", fmt::format("backbone plugin '{}' failed to check this table: {}", p->name, e.what()));
    }
  }

  void check_misc() {
    if (const auto* d = get_at(config_, "training.device"); d && d->is_string()) {
      const std::string dev = *d;
      const bool ok = dev == "cpu" || dev == "cuda" || dev == "auto" ||
                      (dev.rfind("cuda:", 0) == 0 && dev.size() > 5 && dev.size() < 9 &&
                       dev.find_first_not_of("0123456789", 5) == std::string::npos);
      if (!ok) error("training.device", fmt::format("'{}' is not a device, expected cpu, cuda, cuda:N or auto", dev));
    }
    const auto* timeout = get_at(config_, "experiment.trial_timeout");
    const auto* isolation = get_at(config_, "experiment.isolation");
    if (timeout && timeout->is_number_integer() && timeout->get<std::int64_t>() > 0 && isolation &&
        *isolation != "process") {
      error("experiment.trial_timeout", "a trial timeout needs experiment.isolation = \"process\"");
    }
    check_experiment_name();
  }

  // Run folders are <experiment.output>/<experiment.name>/run-N: the name must be
  // one plain folder name, so that no run writes outside experiment.output.
  void check_experiment_name() {
    const auto* name = get_at(config_, "experiment.name");
    if (!name || !name->is_string()) return;
    const std::string n = *name;
    const bool control = std::any_of(n.begin(), n.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (n.empty() || n == "." || n == ".." || n.find_first_of("/\\") != std::string::npos || control) {
      error("experiment.name",
            fmt::format("{} cannot name a folder inside experiment.output (runs are saved in <output>/<name>/run-N); "
                        "expected a non-empty name without '/', '\\' or control characters, and not '.' or '..'",
                        nlohmann::json(n).dump()));
    }
  }
};

}  // namespace

Location ResolveContext::where(const std::string& key) const {
  for (std::string k = key; !k.empty(); k = parent_key(k)) {
    if (auto it = locations->find(k); it != locations->end()) return it->second;
  }
  // A table with no position of its own, such as one a swept key created: where its first key was written.
  for (const char* separator : {".", "["}) {
    const std::string prefix = key + separator;
    if (auto it = locations->lower_bound(prefix); it != locations->end() && it->first.starts_with(prefix)) return it->second;
  }
  return fallback;
}

void ResolveContext::error(const std::string& key, std::string message) const {
  errors->push_back(Diagnostic{where(key), key, std::move(message)});
}

void resolve_config(nlohmann::json& config, const ResolveContext& context) {
  if (!config.is_object()) config = nlohmann::json::object();
  Resolver(config, context).run();
}

void set_at(nlohmann::json& config, const std::string& dotted, const nlohmann::json& value) {
  nlohmann::json* node = &config;
  const auto parts = split_key(dotted);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node->is_object()) *node = nlohmann::json::object();
    node = &(*node)[parts[i]];
  }
  if (!node->is_object()) *node = nlohmann::json::object();
  (*node)[parts.back()] = value;
}

const nlohmann::json* get_at(const nlohmann::json& config, const std::string& dotted) {
  const nlohmann::json* node = &config;
  for (const auto& part : split_key(dotted)) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end() || it->is_null()) return nullptr;
    node = &*it;
  }
  return node;
}

std::string describe(const nlohmann::json& v) {
  std::string shown = v.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  switch (v.type()) {
    case nlohmann::json::value_t::object: return "a table";
    case nlohmann::json::value_t::array: return "an array " + shown;
    case nlohmann::json::value_t::string: return "a string " + shown;
    case nlohmann::json::value_t::boolean: return "a boolean " + shown;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer " + shown;
    case nlohmann::json::value_t::number_float: return "a float " + shown;
    default: return "nothing";
  }
}

}  // namespace mtlab::spec::detail
