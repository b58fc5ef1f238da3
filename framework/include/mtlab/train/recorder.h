#pragma once
// Where the trainer reports what happens: metrics as they are computed, facts
// about the run (parameter counts, checksums, label sets), and saved files. The
// runner implements it on the SQLite store; tests can collect in memory.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace mtlab {

class Recorder {
 public:
  virtual ~Recorder() = default;
  // task "" for model-wide metrics (the weighted total loss, learning rates).
  virtual void metric(std::string_view task, std::string_view split, std::string_view name, std::int64_t step,
                      double value, std::optional<double> epoch) = 0;
  virtual void fact(std::string_view key, std::string_view value) = 0;
  virtual void artifact(std::string_view kind, const std::filesystem::path& file) = 0;
  // Called at natural points (end of an evaluation, a checkpoint) to make records durable.
  virtual void flush() {}
  // A resumed run continues from the checkpoint at `step`: metrics recorded
  // after it (by the attempt that died) are dropped, as the run records them again.
  virtual void rewind(std::int64_t step) { (void)step; }
};

}  // namespace mtlab
