#include "worker_pool.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "mtlab/core/error.h"
#include "mtlab/train/interrupt.h"

namespace mtlab::cli {

namespace {

pid_t start(const std::vector<std::string>& argv, const std::string& threads) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) throw Error(fmt::format("cannot start a worker process: {}", std::strerror(errno)));
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // `mtlab run --workers` gone: its workers stop (and say so)
    if (getppid() != parent) _exit(126);
    if (!threads.empty()) setenv("OMP_NUM_THREADS", threads.c_str(), 1);
    execv(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  return child;
}

}  // namespace

std::vector<std::string> worker_command(const std::string& database, const std::string& experiment, bool quiet) {
  std::vector<std::string> argv{std::filesystem::read_symlink("/proc/self/exe").string()};
  if (quiet) argv.emplace_back("--quiet");
  for (const char* a : {"worker", "--no-progress", "--db"}) argv.emplace_back(a);
  argv.push_back(database);
  argv.emplace_back("--experiment");
  argv.push_back(experiment);
  return argv;
}

std::vector<WorkerExit> run_worker_processes(const std::vector<std::vector<std::string>>& commands) {
  std::vector<WorkerExit> exits;
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string threads =
      std::getenv("OMP_NUM_THREADS") ? "" : std::to_string(std::max<long>(1, cores / static_cast<long>(commands.size())));
  for (const auto& argv : commands) exits.push_back({static_cast<int>(start(argv, threads))});
  std::size_t running = exits.size();
  bool passed_on = false;
  while (running > 0) {
    if (interrupt_requested() && !passed_on) {
      passed_on = true;
      for (const auto& w : exits) {
        if (w.exit_code < 0 && w.signal == 0) kill(w.pid, SIGINT);
      }
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    for (auto& w : exits) {
      if (w.pid != pid) continue;
      if (WIFEXITED(status)) w.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) w.signal = WTERMSIG(status);
      --running;
    }
  }
  return exits;
}

}  // namespace mtlab::cli
