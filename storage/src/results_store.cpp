#include "mtlab/storage/results_store.h"

namespace mtlab::storage {

void ResultsStore::log_metric(std::int64_t run_id, std::string_view task, std::string_view split,
                              std::string_view name, std::int64_t step, double value, std::optional<double> epoch) {
  log_metric(MetricPoint{run_id, std::string(task), std::string(split), std::string(name), step, epoch, value, 0});
}

std::int64_t ResultsStore::record_artifact_file(std::int64_t run_id, std::string_view kind,
                                                const std::filesystem::path& file) {
  return record_artifact(run_id, measure_artifact(kind, file));
}

}  // namespace mtlab::storage
