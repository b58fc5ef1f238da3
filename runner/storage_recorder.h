#pragma once
// The trainer's Recorder on the results store: metrics buffered by the
// store, facts and artifacts written as they come.
#include <cstdint>

#include "mtlab/storage/results_store.h"
#include "mtlab/train/recorder.h"

namespace mtlab::cli {

class StorageRecorder : public Recorder {
 public:
  StorageRecorder(storage::ResultsStore& store, std::int64_t run_id) : store_(store), run_id_(run_id) {}

  void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step, double value,
              std::optional<double> epoch) override {
    store_.log_metric(run_id_, task, split, name, step, value, epoch);
  }
  void fact(std::string_view key, std::string_view value) override { store_.record_fact(run_id_, key, value); }
  void artifact(std::string_view kind, const std::filesystem::path& file) override {
    store_.record_artifact_file(run_id_, kind, file);
  }
  void flush() override { store_.flush(); }
  void rewind(std::int64_t step) override { store_.rewind_metrics(run_id_, step); }

 private:
  storage::ResultsStore& store_;
  std::int64_t run_id_;
};

}  // namespace mtlab::cli
