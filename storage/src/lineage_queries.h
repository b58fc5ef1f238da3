#pragma once
// The look-ups behind `backbone.from_run` and `mtlab predict --run`, in SQL.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtlab::storage {

class Database;

std::optional<std::int64_t> latest_completed_run(const Database& db, std::string_view experiment,
                                                 std::string_view trial);
std::vector<std::string> completed_trials(const Database& db);
std::filesystem::path saved_model_folder(const Database& db, std::int64_t run_id);

}  // namespace mtlab::storage
