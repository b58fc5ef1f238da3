#pragma once
// Writing a report file: the whole page is built before anything is written,
// and it lands by rename, so a failed report leaves no file (and never half of one).
#include <filesystem>

#include "report_model.h"

namespace mtlab::cli {

// Returns the number of runs drawn. Throws naming the file when it cannot be written.
std::size_t write_report(const storage::ResultsStore& store, const ReportRequest& request,
                         const std::filesystem::path& out);

}  // namespace mtlab::cli
