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

// The environment `env` makes of ours: each NAME=VALUE replaces NAME or is added.
std::vector<std::string> child_environment(const std::vector<std::string>& env) {
  std::vector<std::string> out;
  const auto name = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool replaced = false;
    for (const auto& o : env) replaced |= name(o) == name(entry);
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), env.begin(), env.end());
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& argv, const SpawnOptions& o) {
  // Everything that allocates happens before fork: a child of a threaded
  // process may only make async-signal-safe calls until it execs.
  std::vector<std::string> arg_strings = argv, env_strings = child_environment(o.env);
  const std::vector<char*> args = c_strings(arg_strings), envp = c_strings(env_strings);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) throw Error(fmt::format("cannot start {}: {}", o.what, std::strerror(errno)));
  if (child > 0) return child;
  if (o.own_process_group) setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, o.death_signal);
  if (getppid() != parent) _exit(126);  // we died before the line above
  if (o.output_fd >= 0) {
    dup2(o.output_fd, STDOUT_FILENO);
    dup2(o.output_fd, STDERR_FILENO);
  }
  execve(args[0], args.data(), envp.data());
  const char message[] = "mtlab: cannot run a child process: exec failed\n";
  (void)!write(STDERR_FILENO, message, sizeof(message) - 1);
  _exit(127);
}

ChildResult run_child_process(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                              const std::function<bool()>& stop_requested, std::vector<std::string> env) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  const auto start = Clock::now();
  SpawnOptions spawn;
  spawn.what = "a trial process";
  spawn.death_signal = SIGKILL;  // a killed runner takes its trial with it
  spawn.output_fd = pipe_fds[1];
  spawn.env = std::move(env);
  pid_t child = -1;
  try {
    child = spawn_child(argv, spawn);
  } catch (...) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw;
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
