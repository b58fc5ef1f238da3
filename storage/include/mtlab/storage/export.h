#pragma once
// `mtlab export`: the flat table a pandas user wants — one row per run of an
// experiment (every status; filter on `status`), with the run's facts, every
// param as a column named by its key ("training.freeze", typed: int/real/text,
// bools as 0/1, arrays as JSON text), and every final metric as a column named
// task.split.name ("metric:" is put in front only if that name is also a param key).
#include <string_view>

#include "mtlab/storage/table.h"

namespace mtlab::storage {

class Database;

Table export_experiment(const Database& db, std::string_view experiment);

}  // namespace mtlab::storage
