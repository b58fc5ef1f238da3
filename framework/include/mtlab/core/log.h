#pragma once
// Minimal leveled logging to stderr (-q/-v on the command line set the level).
#include <fmt/core.h>

#include <string_view>

namespace mtlab::log {

enum class Level { quiet = 0, warning = 1, info = 2, debug = 3 };

void set_level(Level level);
Level level();
void write(Level level, std::string_view message);

template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::warning) write(Level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::info) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::debug) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace mtlab::log
