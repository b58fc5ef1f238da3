#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include "mtlab/core/error.h"

namespace mtlab::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kTailLines = 20;
constexpr auto kGrace = std::chrono::seconds(10);  // SIGTERM → SIGKILL

// Keeps the last lines of a byte stream.
class Tail {
 public:
  void add(const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (data[i] == '\n' || data[i] == '\r') {
        if (!current_.empty()) push();
      } else {
        current_ += data[i];
      }
    }
  }
  std::string text() {
    if (!current_.empty()) push();
    std::string out;
    for (const auto& line : lines_) out += line + "\n";
    return out;
  }

 private:
  void push() {
    lines_.push_back(std::move(current_));
    current_.clear();
    if (lines_.size() > kTailLines) lines_.pop_front();
  }
  std::deque<std::string> lines_;
  std::string current_;
};

}  // namespace

ChildResult run_child_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                              const std::function<bool()>& stop_requested) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const auto start = Clock::now();
  const pid_t child = fork();
  if (child < 0) throw Error(fmt::format("cannot start a trial process: {}", std::strerror(errno)));
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed runner takes its trial with it
    if (getppid() != parent) _exit(126);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(pipe_fds[1]);

  ChildResult result;
  Tail tail;
  bool asked_to_stop = false, killed = false;
  Clock::time_point term_sent;
  char buffer[4096];
  for (bool open = true; open;) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, 200);
    if (ready > 0) {
      const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
      if (n > 0) {
        tail.add(buffer, static_cast<std::size_t>(n));
        (void)!write(STDERR_FILENO, buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        open = false;  // the child (and whatever inherited its output) is gone
      }
    }
    const auto now = Clock::now();
    if (!asked_to_stop && timeout.count() > 0 && now - start > timeout) {
      result.timed_out = true;
      asked_to_stop = true;
      term_sent = now;
      kill(child, SIGTERM);
    }
    if (!asked_to_stop && stop_requested && stop_requested()) {
      asked_to_stop = true;
      term_sent = now;
      kill(child, SIGTERM);
    }
    if (asked_to_stop && !killed && now - term_sent > kGrace) {
      killed = true;
      kill(child, SIGKILL);
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.tail = tail.text();
  return result;
}

std::string describe_child_failure(const ChildResult& r, std::chrono::seconds timeout) {
  std::string what;
  if (r.timed_out) {
    what = fmt::format("exceeded experiment.trial_timeout = {} s and was stopped", timeout.count());
  } else if (r.signal != 0) {
    const char* name = sigabbrev_np(r.signal);
    what = fmt::format("the trial process was killed by signal {} (SIG{}: {})", r.signal, name ? name : "?",
                       strsignal(r.signal));
    if (r.signal == SIGKILL) what += "; the kernel's out-of-memory killer sends it when memory runs out";
  } else {
    what = fmt::format("the trial process exited with code {}", r.exit_code);
  }
  return r.tail.empty() ? what : what + "; its last output:\n" + r.tail;
}

}  // namespace mtlab::cli
