// `mtlab plugins`: list, describe and check plugin libraries.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "command.h"
#include "mtlab/core/log.h"
#include "mtlab/plugin/registry.h"

namespace mtlab::cli {
namespace {

struct PluginsOptions {
  std::vector<std::string> paths;
  std::string describe;
  std::string check;
};

// What a key allows beyond its type: "[1, 128]", ">= 1", "a | b | c", or "".
std::string allowed(const plugin::KeyInfo& k) {
  if (!k.choices.empty()) return fmt::format("{}", fmt::join(k.choices, " | "));
  const bool lo = std::isfinite(k.min), hi = std::isfinite(k.max);
  if (lo && hi) return fmt::format("[{}, {}]", k.min, k.max);
  if (lo) return fmt::format(">= {}", k.min);
  if (hi) return fmt::format("<= {}", k.max);
  return "";
}

void print_keys(const plugin::PluginInfo& p) {
  if (p.keys.empty()) {
    fmt::print("  (no config keys)\n");
    return;
  }
  std::size_t w = 3, t = 4;
  for (const auto& k : p.keys) {
    w = std::max(w, k.name.size());
    t = std::max(t, k.type.size());
  }
  fmt::print("  {:<{}}  {:<{}}  {:<12}  {}\n", "key", w, "type", t, "default", "meaning");
  for (const auto& k : p.keys) {
    const auto range = allowed(k);
    fmt::print("  {:<{}}  {:<{}}  {:<12}  {}{}\n", k.name, w, k.type, t, k.default_value.empty() ? "-" : k.default_value,
               k.help, range.empty() ? "" : " (" + range + ")");
  }
}

void run(const PluginsOptions& o) {
  plugin::Registry registry;
  if (!o.check.empty()) {
    const auto& p = registry.load(o.check);
    fmt::print("{}: ok: {} plugin '{}' version {} — {}\n", o.check, plugin::kind_name(p.kind), p.name, p.version,
               p.description);
    print_keys(p);
    return;
  }
  std::vector<std::filesystem::path> search;
  for (const auto& p : o.paths) search.emplace_back(p);
  for (const auto& p : plugin::Registry::default_search_path()) search.push_back(p);
  registry.scan(search);
  for (const auto& w : registry.warnings()) log::warn("{}", w);
  if (!o.describe.empty()) {
    const auto& p = registry.find(o.describe);
    fmt::print("{} plugin '{}' version {}\n  {}\n  file: {}\n  sha256: {}\n", plugin::kind_name(p.kind), p.name,
               p.version, p.description, p.file.string(), p.sha256);
    if (!p.level.empty()) fmt::print("  level: {} (a task with this head predicts per {} unless it sets level)\n", p.level, p.level);
    if (!p.own_loss.empty()) fmt::print("  own loss: {} (a task with this head takes no loss plugin)\n", p.own_loss);
    print_keys(p);
    return;
  }
  auto plugins = registry.plugins();
  std::sort(plugins.begin(), plugins.end(), [](const auto& a, const auto& b) {
    return std::pair(static_cast<int>(a.kind), a.name) < std::pair(static_cast<int>(b.kind), b.name);
  });
  std::size_t w = 4;
  for (const auto& p : plugins) w = std::max(w, p.name.size());
  fmt::print("{:<10}  {:<{}}  {:<8}  {}\n", "kind", "name", w, "version", "file");
  for (const auto& p : plugins) {
    fmt::print("{:<10}  {:<{}}  {:<8}  {}\n", plugin::kind_name(p.kind), p.name, w, p.version, p.file.string());
  }
  if (plugins.empty()) {
    std::string where;
    for (const auto& s : search) where += "\n  " + s.string();
    log::warn("no plugins found on the search path:{}", where);
  }
}

void setup(CLI::App& app, GlobalOptions&) {
  auto o = std::make_shared<PluginsOptions>();
  auto* sub = app.add_subcommand("plugins", "List the plugins on the search path, describe one, or check a file");
  sub->add_option("--path", o->paths, "Extra plugin folder or file (searched before MTLAB_PLUGIN_PATH)");
  sub->add_option("--describe", o->describe, "Show one plugin's config keys");
  sub->add_option("--check", o->check, "Load one library file and say what it is or what is wrong with it");
  sub->callback([o] { run(*o); });
}

const bool registered = register_command("plugins", 80, setup);

}  // namespace
}  // namespace mtlab::cli
