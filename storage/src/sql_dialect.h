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
// last reopened (duration_s, kept by reopen_run) plus the current one, from
// resumed_at (or started_at); NULL for a run that never started.
std::string run_seconds_until(const Database& db, std::string_view end);
// The SET list that reopens a run (an ASHA promotion, a resume): running again from
// ?2 (now) in process ?3 on host ?4 (kept when empty), duration_s what it ran so
// far (a run found still 'pending'/'running', whose process died unmarked, ran until
// its last heartbeat), and the SQL text `note` appended to its error as a line.
std::string reopen_run(const Database& db, std::string_view note);
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
