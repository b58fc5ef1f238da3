#pragma once
// The `mtlab worker` processes of this user on this host. Each holds a shared
// flock on a file of its own in $TMPDIR/mtlab-workers-<uid>/ while it lives; the
// kernel drops a dead process's lock however it died, so the held files are the
// live workers. A worker started by hand divides the host's cores by that count
// for each trial (threads_or_all_cores), instead of every worker taking every
// core and all of them fighting over the cores (docs/distributed.md, Threads).
#include <filesystem>

namespace mtlab::cli {

class HostWorkerSlot {
 public:
  HostWorkerSlot();  // this process's slot, held until it ends
  ~HostWorkerSlot();
  HostWorkerSlot(const HostWorkerSlot&) = delete;
  HostWorkerSlot& operator=(const HostWorkerSlot&) = delete;

  // The slots held now, this process's included; files of dead workers are removed.
  static int live_workers();

 private:
  int fd_ = -1;
  std::filesystem::path file_;
};

}  // namespace mtlab::cli
