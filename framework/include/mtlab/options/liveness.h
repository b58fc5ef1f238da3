#pragma once
// How long a run may go without a heartbeat before it counts as dead: the
// default of experiment.heartbeat_timeout and of the store's staleness rule
// (storage::kStaleAfter), written once.
#include <cstdint>

namespace mtlab {

inline constexpr std::int64_t kDefaultHeartbeatTimeoutSeconds = 300;

}  // namespace mtlab
