#pragma once
// A run's life: pending → running → completed | failed | interrupted | pruned
// ([sweep.prune] stopped it early; a paused ASHA trial may be promoted: running again).
// Stored as the lowercase word, so `WHERE status = 'failed'` reads naturally.
#include <string_view>

namespace mtlab::storage {

enum class RunStatus { pending, running, completed, failed, interrupted, pruned };

std::string_view to_string(RunStatus status);
// Throws mtlab::Error naming the accepted words.
RunStatus parse_run_status(std::string_view text);
// completed, failed, interrupted and pruned: the run will not write again (unless
// resumed or promoted, which reopen it explicitly).
bool is_terminal(RunStatus status);

}  // namespace mtlab::storage
