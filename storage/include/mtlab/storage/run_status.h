#pragma once
// A run's life: pending → running → completed | failed | interrupted.
// Stored as the lowercase word, so `WHERE status = 'failed'` reads naturally.
#include <string_view>

namespace mtlab::storage {

enum class RunStatus { pending, running, completed, failed, interrupted };

std::string_view to_string(RunStatus status);
// Throws mtlab::Error naming the accepted words.
RunStatus parse_run_status(std::string_view text);
// completed, failed and interrupted: the run will not write again.
bool is_terminal(RunStatus status);

}  // namespace mtlab::storage
