#pragma once
// The trainer's Recorder on the results database: metrics buffered by the
// writer, facts and artifacts written as they come.
#include <cstdint>

#include "mtlab/storage/writer.h"
#include "mtlab/train/recorder.h"

namespace mtlab::cli {

class StorageRecorder : public Recorder {
 public:
  StorageRecorder(storage::Writer& writer, std::int64_t run_id) : writer_(writer), run_id_(run_id) {}

  void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step, double value,
              std::optional<double> epoch) override {
    writer_.log_metric(run_id_, task, split, name, step, value, epoch);
  }
  void fact(std::string_view key, std::string_view value) override { writer_.record_fact(run_id_, key, value); }
  void artifact(std::string_view kind, const std::filesystem::path& file) override {
    writer_.record_artifact_file(run_id_, kind, file);
  }
  void flush() override { writer_.flush(); }
  void rewind(std::int64_t step) override { writer_.rewind_metrics(run_id_, step); }

 private:
  storage::Writer& writer_;
  std::int64_t run_id_;
};

}  // namespace mtlab::cli
