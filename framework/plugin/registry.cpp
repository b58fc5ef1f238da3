#include "mtlab/plugin/registry.h"

#include <fmt/format.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "mtlab/build_info.h"
#include "mtlab/core/hash.h"
#include "mtlab/core/log.h"
#include "mtlab/core/suggest.h"
#include "mtlab/plugin/declared_keys.h"

namespace mtlab::plugin {
namespace fs = std::filesystem;

namespace {

// Loaded libraries live until the process ends, on purpose: objects, deleters
// and exceptions from a plugin must never outlive its code. The vector itself is
// leaked so that static destruction order cannot unload anything either.
std::vector<boost::dll::shared_library>& loaded_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

std::string str(const char* s) { return s ? std::string(s) : std::string(); }

// A user-private group: the owner's primary group, with no other listed members.
// Being writable by it gives nobody but the owner write access.
bool is_private_group(uid_t owner, gid_t gid) {
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* pw_found = nullptr;
  if (getpwuid_r(owner, &pw, buffer.data(), buffer.size(), &pw_found) != 0 || !pw_found) return false;
  if (pw.pw_gid != gid) return false;
  std::vector<char> gbuffer(65536);
  group gr{};
  group* gr_found = nullptr;
  if (getgrgid_r(gid, &gr, gbuffer.data(), gbuffer.size(), &gr_found) != 0 || !gr_found) return false;
  for (char** member = gr.gr_mem; member && *member; ++member) {
    if (pw.pw_name && std::string(*member) != pw.pw_name) return false;
  }
  return true;
}

std::string group_name(gid_t gid) {
  std::vector<char> buffer(65536);
  group gr{};
  group* found = nullptr;
  if (getgrgid_r(gid, &gr, buffer.data(), buffer.size(), &found) == 0 && found && gr.gr_name) return gr.gr_name;
  return std::to_string(gid);
}

}  // namespace

void Registry::check_permissions(const fs::path& path) {
  std::error_code ec;
  fs::path key = fs::weakly_canonical(path, ec);
  if (ec) key = path;
  if (std::find(checked_paths_.begin(), checked_paths_.end(), key) != checked_paths_.end()) return;
  checked_paths_.push_back(key);
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0) return;
  std::string who;
  if (st.st_mode & S_IWOTH) {
    who = "every user";
  } else if ((st.st_mode & S_IWGRP) && !is_private_group(st.st_uid, st.st_gid)) {
    who = fmt::format("the users of group '{}'", group_name(st.st_gid));
  }
  if (who.empty()) return;
  const bool folder = S_ISDIR(st.st_mode);
  const std::string message = fmt::format(
      "{}: plugin {} is writable by {} (mode {:04o}); plugins run inside mtlab with your rights, so whoever can write "
      "here can run code as you: chmod go-w {}",
      key.string(), folder ? "folder" : "file", who, st.st_mode & 07777, key.string());
  security_warnings_.push_back(message);
  log::warn("{}", message);
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::backbone: return "backbone";
    case Kind::head: return "head";
    case Kind::loss: return "loss";
    case Kind::optimizer: return "optimizer";
  }
  return "unknown";
}

Kind kind_from_name(const std::string& name) {
  for (Kind k : {Kind::backbone, Kind::head, Kind::loss, Kind::optimizer}) {
    if (name == kind_name(k)) return k;
  }
  throw Error(fmt::format("'{}' is not a plugin kind; expected one of backbone, head, loss, optimizer", name));
}

std::vector<std::string> PluginInfo::key_names() const {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.name);
  return out;
}

bool PluginInfo::declares(const std::string& key) const {
  return std::any_of(keys.begin(), keys.end(), [&](const KeyInfo& k) { return k.name == key; });
}

std::vector<fs::path> Registry::default_search_path() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("MTLAB_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':')) {
      if (!item.empty()) out.emplace_back(item);
    }
  }
  const fs::path exe_dir = boost::dll::program_location().parent_path().string();
  // The build tree and the install tree both keep plugins at <prefix>/<plugin dir>.
  out.push_back((exe_dir / ".." / build_info::kPluginInstallDir).lexically_normal());
  return out;
}

void Registry::scan(const std::vector<fs::path>& paths) {
  for (const auto& path : paths) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      load(path);
      continue;
    }
    if (!fs::is_directory(path, ec)) continue;  // a missing folder on the path is not an error
    check_permissions(path);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".so") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      try {
        load(file);
      } catch (const Error& e) {
        const std::string message = e.what();
        // Two libraries claiming one name is a configuration error, not a stray file.
        if (message.find("both offer") != std::string::npos) throw;
        warnings_.push_back(message);
      }
    }
  }
}

const PluginInfo& Registry::load(const fs::path& file) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  for (std::size_t i = 0; i < plugins_.size(); ++i) {
    if (fs::equivalent(plugins_[i].file, canonical, ec)) return plugins_[i];
  }
  if (!fs::exists(canonical, ec)) throw Error(fmt::format("{}: no such plugin file", file.string()));

  // Checked before the library's code is mapped: its initialisers run on load.
  check_permissions(canonical.parent_path());
  check_permissions(canonical);
  // The dynamic loader's own message for a file that is not ELF at all is a
  // detour ("file too short", "invalid ELF header" and a stray errno): say it plainly.
  {
    char magic[4] = {};
    std::ifstream in(canonical, std::ios::binary);
    if (!in.read(magic, 4) || std::string_view(magic, 4) != "\x7f" "ELF") {
      throw Error(fmt::format("{}: not a loadable shared library (not an ELF file; expected a plugin built with "
                              "MTLAB_PLUGIN for this system)",
                              file.string()));
    }
  }
  boost::dll::shared_library library;
  try {
    library.load(canonical.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: not a loadable shared library ({})", file.string(), e.what()));
  }
  if (!library.has(MTLAB_PLUGIN_SYMBOL)) {
    throw Error(fmt::format("{}: not an mtlab plugin (it exports no '{}' descriptor; define one with MTLAB_PLUGIN)",
                            file.string(), MTLAB_PLUGIN_SYMBOL));
  }
  const Descriptor* descriptor = nullptr;
  try {
    descriptor = library.get<const Descriptor*()>(MTLAB_PLUGIN_SYMBOL)();
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: reading its descriptor failed: {}", file.string(), e.what()));
  }
  if (descriptor == nullptr) throw Error(fmt::format("{}: its descriptor function returned null", file.string()));
  // Read the ABI version before any other field: a different ABI may lay them out differently.
  if (descriptor->abi_version != kAbiVersion) {
    throw Error(fmt::format("{}: plugin ABI version {} does not match this mtlab's ABI version {}; rebuild the plugin "
                            "against this mtlab",
                            file.string(), descriptor->abi_version, kAbiVersion));
  }
  const auto kind_value = static_cast<std::uint32_t>(descriptor->kind);
  if (kind_value > static_cast<std::uint32_t>(Kind::optimizer)) {
    throw Error(fmt::format("{}: unknown plugin kind {}", file.string(), kind_value));
  }
  if (descriptor->name == nullptr || *descriptor->name == '\0' || descriptor->create == nullptr) {
    throw Error(fmt::format("{}: descriptor has no name or no factory", file.string()));
  }

  PluginInfo info;
  info.kind = descriptor->kind;
  info.name = descriptor->name;
  info.version = str(descriptor->version);
  info.description = str(descriptor->description);
  for (std::size_t i = 0; i < descriptor->key_count; ++i) {
    const KeySpec& k = descriptor->keys[i];
    if (k.name == nullptr || *k.name == '\0') continue;
    info.keys.push_back({str(k.name), str(k.type), str(k.default_value), str(k.help), k.min, k.max, declared_choices(k)});
  }
  info.level = str(descriptor->level);
  if (!info.level.empty() && (descriptor->kind != Kind::head || (info.level != "sentence" && info.level != "token"))) {
    throw Error(fmt::format("{}: plugin '{}' declares level '{}'; only a head may, as \"sentence\" or \"token\"",
                            file.string(), info.name, info.level));
  }
  if (descriptor->backbone != nullptr && descriptor->kind != Kind::backbone) {
    throw Error(fmt::format("{}: plugin '{}' is a {} but has backbone hooks", file.string(), info.name,
                            kind_name(descriptor->kind)));
  }
  info.backbone = descriptor->backbone;
  info.own_loss = str(descriptor->own_loss);
  if (!info.own_loss.empty() && descriptor->kind != Kind::head) {
    throw Error(fmt::format("{}: plugin '{}' is a {} but declares an own loss; only a head may",
                            file.string(), info.name, kind_name(descriptor->kind)));
  }
  info.file = canonical;
  info.sha256 = sha256_file(canonical);

  for (const auto& other : plugins_) {
    if (other.kind == info.kind && other.name == info.name) {
      throw Error(fmt::format("{} and {} both offer the {} plugin '{}'; remove one from the plugin path",
                              other.file.string(), file.string(), kind_name(info.kind), info.name));
    }
  }
  loaded_libraries().push_back(std::move(library));
  factories_.push_back(descriptor->create);
  plugins_.push_back(std::move(info));
  return plugins_.back();
}

const std::vector<PluginInfo>& Registry::plugins() const { return plugins_; }
const std::vector<std::string>& Registry::warnings() const { return warnings_; }
const std::vector<std::string>& Registry::security_warnings() const { return security_warnings_; }

const PluginInfo& Registry::find(Kind kind, const std::string& name) const {
  std::vector<std::string> names;
  const PluginInfo* other_kind = nullptr;
  for (const auto& p : plugins_) {
    if (p.name == name && p.kind != kind) other_kind = &p;
    if (p.kind != kind) continue;
    if (p.name == name) return p;
    names.push_back(p.name);
  }
  if (other_kind) {
    throw Error(fmt::format("'{}' ({}) is a {} plugin, but a {} plugin was asked for", name,
                            other_kind->file.string(), kind_name(other_kind->kind), kind_name(kind)));
  }
  std::sort(names.begin(), names.end());
  throw Error(fmt::format("no {} plugin named '{}'{}; available {} plugins: {}", kind_name(kind), name,
                          did_you_mean(name, names), kind_name(kind), names.empty() ? "none" : join(names)));
}

const PluginInfo& Registry::find(const std::string& name) const {
  const PluginInfo* found = nullptr;
  std::vector<std::string> names;
  for (const auto& p : plugins_) {
    names.push_back(p.name);
    if (p.name != name) continue;
    if (found) {
      throw Error(fmt::format("'{}' names both a {} plugin and a {} plugin; say which kind", name,
                              kind_name(found->kind), kind_name(p.kind)));
    }
    found = &p;
  }
  if (!found) {
    std::sort(names.begin(), names.end());
    throw Error(fmt::format("no plugin named '{}'{}; available plugins: {}", name, did_you_mean(name, names),
                            names.empty() ? "none" : join(names)));
  }
  return *found;
}

std::shared_ptr<PluginObject> Registry::create_object(Kind kind, const std::string& name,
                                                      const Config& config) const {
  const PluginInfo& info = find(kind, name);
  config.reject_unknown(info.key_names());
  const std::size_t index = static_cast<std::size_t>(&info - plugins_.data());
  std::shared_ptr<PluginObject> object;
  try {
    object = factories_[index](config);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{} plugin '{}' ({}) failed to start: {}", kind_name(kind), name, info.file.string(),
                            e.what()));
  } catch (...) {
    throw Error(fmt::format("{} plugin '{}' ({}) failed to start: unknown exception", kind_name(kind), name,
                            info.file.string()));
  }
  if (!object) {
    throw Error(fmt::format("{} plugin '{}' ({}) returned no object", kind_name(kind), name, info.file.string()));
  }
  return object;
}

}  // namespace mtlab::plugin
