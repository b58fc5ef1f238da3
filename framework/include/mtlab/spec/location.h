#pragma once
// Where a spec value was written: "file:line:col", or "--set" for a
// command-line override. Relative paths in a value resolve against base_dir().
#include <cstdint>
#include <filesystem>
#include <string>

namespace mtlab::spec {

struct Location {
  std::string file;  // as the user named it (main spec), joined for extends; "--set" for overrides
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool from_command_line() const { return line == 0 && file == "--set"; }
  // "file:line:col"; just `file` when the position is unknown.
  std::string str() const;
  // The folder relative paths written here resolve against (the current
  // directory for --set).
  std::filesystem::path base_dir() const;
};

}  // namespace mtlab::spec
