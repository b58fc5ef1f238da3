#include "host_workers.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <system_error>

#include "mtlab/core/error.h"

namespace mtlab::cli {
namespace fs = std::filesystem;
namespace {

fs::path slots_folder() {
  return fs::temp_directory_path() / fmt::format("mtlab-workers-{}", static_cast<long>(getuid()));
}

// Whether a process holds a lock on `file` (ours included: a lock taken through
// another open file description conflicts with it). A file no one holds is a dead
// worker's: it is removed while the probe holds it, so a worker taking its slot
// (which checks that its locked file is still the one in the folder) never loses it.
bool held_else_removed(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (free) ::unlink(file.c_str());
  ::close(fd);
  return !free;
}

// Whether `fd` is the file now at `file` (not one a probe removed before we locked it).
bool still_linked(int fd, const fs::path& file) {
  struct stat open_file {}, named {};
  return ::fstat(fd, &open_file) == 0 && ::stat(file.c_str(), &named) == 0 && open_file.st_ino == named.st_ino &&
         open_file.st_dev == named.st_dev;
}

}  // namespace

HostWorkerSlot::HostWorkerSlot() {
  const fs::path folder = slots_folder();
  std::error_code ec;
  fs::create_directories(folder, ec);
  // Ours and a real folder: another user's (or a link planted in a shared /tmp) could
  // count fake workers and starve ours of threads.
  struct stat info {};
  if (::lstat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != getuid()) {
    throw Error(fmt::format("mtlab worker: {} is not a folder of this user (expected the workers' slots there; "
                            "remove it, or set TMPDIR to a folder of your own)",
                            folder.string()));
  }
  fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
  file_ = folder / std::to_string(getpid());
  for (int attempt = 0; attempt < 10; ++attempt) {
    fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 || ::flock(fd_, LOCK_SH) != 0) break;
    if (still_linked(fd_, file_)) return;
    ::close(fd_);  // a probe took it for a dead worker's between our open and our lock: again
    fd_ = -1;
  }
  if (fd_ >= 0) ::close(fd_);
  throw Error(fmt::format("mtlab worker: cannot take a worker slot in {} (expected a writable temporary folder; "
                          "set TMPDIR)",
                          folder.string()));
}

HostWorkerSlot::~HostWorkerSlot() {
  std::error_code ec;
  fs::remove(file_, ec);
  if (fd_ >= 0) ::close(fd_);
}

int HostWorkerSlot::live_workers() {
  int live = 0;
  std::error_code ec;
  for (fs::directory_iterator it(slots_folder(), ec), end; !ec && it != end; it.increment(ec)) {
    if (held_else_removed(it->path())) ++live;
  }
  return live;
}

}  // namespace mtlab::cli
