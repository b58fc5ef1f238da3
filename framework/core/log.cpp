#include "mtlab/core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace mtlab::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
}  // namespace

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

void write(Level l, std::string_view message) {
  std::lock_guard lock(g_mutex);
  const char* prefix = l == Level::warning ? "warning: " : (l == Level::debug ? "debug: " : "");
  std::fprintf(stderr, "%s%.*s\n", prefix, static_cast<int>(message.size()), message.data());
}

}  // namespace mtlab::log
