#include "mtlab/train/interrupt.h"

#include <atomic>
#include <csignal>

namespace mtlab {
namespace {
std::atomic<int> g_requested{0};

extern "C" void on_signal(int signal) {
  if (g_requested.fetch_add(1) > 0 && signal == SIGINT) std::signal(SIGINT, SIG_DFL);
}
}  // namespace

void request_interrupt() { g_requested.fetch_add(1); }
bool interrupt_requested() { return g_requested.load() > 0; }
void clear_interrupt() { g_requested = 0; }

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

}  // namespace mtlab
