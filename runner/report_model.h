#pragma once
// The data behind `mtlab report`: one JSON document per page, read through the
// results store, that runner/report/report.js turns into tables and charts.
// Its shape is documented in docs/cli.md (`mtlab report`).
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mtlab::storage {
class ResultsStore;
}

namespace mtlab::cli {

struct ReportRequest {
  std::string database;                  // as the user wrote it, shown on the page
  std::vector<std::string> experiments;  // at least one
  std::string metric;                    // empty: each experiment's own (default_report_metric)
  // A curve longer than this is averaged in buckets of consecutive points down
  // to at most this many (0 keeps every point); the page says when it was.
  std::size_t max_points = 1000;
};

// Throws (naming the store) for an unknown experiment, or for an unknown metric
// in an experiment that has completed runs. An experiment without completed runs
// is drawn with its failed and interrupted runs and a note.
nlohmann::json report_model(const storage::ResultsStore& store, const ReportRequest& request);

}  // namespace mtlab::cli
