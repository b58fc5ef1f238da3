#pragma once
// Finding an experiment by name, with the known names in the error.
#include <cstdint>
#include <string_view>

namespace mtlab::storage {

class Database;

// Throws mtlab::Error listing the experiments in the database when `name` is not one.
std::int64_t find_experiment(const Database& db, std::string_view name);

}  // namespace mtlab::storage
