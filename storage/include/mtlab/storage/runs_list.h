#pragma once
// `mtlab runs`: one line per run, newest last.
#include <string>

#include "mtlab/storage/table.h"

namespace mtlab::storage {

class Database;

struct RunFilter {
  std::string experiment;  // empty: all
  std::string status;      // empty: all; else one of the run statuses
};

// Columns: id, experiment, trial, status, seed, started_at, duration_s, host,
// attempt (only when some listed run was continued after its worker died),
// parent (only when some listed run has a parent run), error (first line).
Table list_runs(const Database& db, const RunFilter& filter);

}  // namespace mtlab::storage
