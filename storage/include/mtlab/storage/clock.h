#pragma once
// The two time forms the database stores: ISO-8601 UTC text for instants
// people read (runs.started_at, …) and Unix seconds for metrics.wall_time.
#include <chrono>
#include <string>

namespace mtlab::storage {

// "2026-11-26T15:34:55.123Z" (millisecond precision, always UTC).
std::string iso_utc(std::chrono::system_clock::time_point when);
std::string iso_utc_now();
// Seconds since 1970-01-01T00:00:00Z, with fractions.
double unix_seconds(std::chrono::system_clock::time_point when);
double unix_seconds_now();

}  // namespace mtlab::storage
