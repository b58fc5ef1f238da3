#pragma once
// Keeps a run visibly alive while this process runs it: a thread that marks
// the run's heartbeat every `interval` through its own connection to the store,
// so a long evaluation (no metrics for a while) is never mistaken for a dead
// worker. A failed beat is logged, never thrown: the trial itself goes on.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace mtlab::cli {

class Heartbeat {
 public:
  Heartbeat(std::string store_location, std::int64_t run_id, std::chrono::seconds interval);
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  ~Heartbeat();  // stops the thread at once

 private:
  void beat_until_stopped(std::string location, std::int64_t run_id, std::chrono::seconds interval);

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mtlab::cli
