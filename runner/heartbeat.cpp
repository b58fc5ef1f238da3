#include "heartbeat.h"

#include <algorithm>

#include "mtlab/core/log.h"
#include "mtlab/storage/results_store.h"

namespace mtlab::cli {

Heartbeat::Heartbeat(std::string store_location, std::int64_t run_id, std::chrono::seconds interval)
    : thread_([this, location = std::move(store_location), run_id, interval] {
        beat_until_stopped(location, run_id, std::max(interval, std::chrono::seconds(1)));
      }) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Heartbeat::beat_until_stopped(std::string location, std::int64_t run_id, std::chrono::seconds interval) {
  std::unique_ptr<storage::ResultsStore> store;
  bool warned = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stop_; })) {
    try {
      if (!store) store = storage::open_store(location, storage::StoreMode::read_write);
      store->heartbeat(run_id);
      warned = false;
    } catch (const std::exception& e) {
      store.reset();  // reconnect next time (a restarted database server)
      if (!warned) log::warn("run {}: heartbeat not recorded: {}", run_id, e.what());
      warned = true;
    }
  }
}

}  // namespace mtlab::cli
