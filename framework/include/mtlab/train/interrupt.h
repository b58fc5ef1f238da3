#pragma once
// Cooperative stop: a signal handler asks, the training loop checks between
// steps and ends the run cleanly (marked interrupted, records kept).
#include "mtlab/core/error.h"

namespace mtlab {

class Interrupted : public Error {
 public:
  using Error::Error;
};

void request_interrupt();  // async-signal-safe
bool interrupt_requested();
void clear_interrupt();
// Installs SIGINT/SIGTERM handlers that call request_interrupt(); a second
// SIGINT while stopping restores the default action (so Ctrl-C twice kills).
void install_interrupt_handlers();

}  // namespace mtlab
