#include "mtlab/storage/run_status.h"

#include <string>

#include "mtlab/core/error.h"

namespace mtlab::storage {

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::pending: return "pending";
    case RunStatus::running: return "running";
    case RunStatus::completed: return "completed";
    case RunStatus::failed: return "failed";
    case RunStatus::interrupted: return "interrupted";
    case RunStatus::pruned: return "pruned";
  }
  return "pending";
}

RunStatus parse_run_status(std::string_view text) {
  for (auto s : {RunStatus::pending, RunStatus::running, RunStatus::completed, RunStatus::failed,
                 RunStatus::interrupted, RunStatus::pruned}) {
    if (to_string(s) == text) return s;
  }
  throw Error("unknown run status '" + std::string(text) +
              "' (expected pending, running, completed, failed, interrupted or pruned)");
}

bool is_terminal(RunStatus status) {
  return status == RunStatus::completed || status == RunStatus::failed || status == RunStatus::interrupted ||
         status == RunStatus::pruned;
}

}  // namespace mtlab::storage
