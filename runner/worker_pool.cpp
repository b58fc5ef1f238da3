#include "worker_pool.h"

#include <signal.h>
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

#include "child_process.h"
#include "mtlab/core/error.h"
#include "mtlab/train/interrupt.h"

namespace mtlab::cli {

namespace {

pid_t start(const std::vector<std::string>& argv, const std::string& threads) {
  SpawnOptions spawn;
  spawn.what = "a worker process";
  spawn.death_signal = SIGTERM;  // `mtlab run --workers` gone: its workers stop (and say so)
  if (!threads.empty()) spawn.env.push_back("OMP_NUM_THREADS=" + threads);
  return spawn_child(argv, spawn);
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
