#pragma once
// The few SQL spellings that differ between SQLite and PostgreSQL, written
// once: every query in storage/src is one text for both, built with these.
// Times are ISO-8601 UTC text in both (so every reader sees the same values);
// durations come from the text.
#include <string>
#include <string_view>

#include "mtlab/storage/database.h"

namespace mtlab::storage::sql {

// Seconds from the time `earlier` to the time `later` (both ISO text expressions), a REAL.
std::string seconds_between(const Database& db, std::string_view later, std::string_view earlier);
// SQL for a runs row's seconds of running until `end`: the stretches before it was
// last reopened (duration_s, kept by reopen_duration) plus the current one, from
// resumed_at (or started_at); NULL for a run that never started.
std::string run_seconds_until(const Database& db, std::string_view end);
// SQL for duration_s when a run is reopened (promoted, resumed): what it ran so far.
// A run found still 'pending'/'running' (its process died unmarked) ran until its last heartbeat.
std::string reopen_duration(const Database& db);
// Seconds from the time `earlier` to now.
std::string seconds_since(const Database& db, std::string_view earlier);
// A newline character as an SQL expression.
std::string newline(const Database& db);
// The statement that opens a write transaction.
std::string begin_write(const Database& db);
// Inside a write transaction: waits until no other transaction claims trials of
// `experiment_id`, and keeps them waiting until this one ends (PostgreSQL: a
// transaction-level advisory lock; SQLite's BEGIN IMMEDIATE already holds the one write lock).
void lock_experiment_claims(const Database& db, std::int64_t experiment_id);

}  // namespace mtlab::storage::sql
