#include "distributed_launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/train/interrupt.h"

namespace mtlab::cli {
namespace {

using Clock = std::chrono::steady_clock;
// After a rank dies, the others notice at once (their connections close) and
// fail their trial; this is how long they get to record that before they are ended.
constexpr auto kGrace = std::chrono::seconds(30);

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  if (argv.empty()) throw Error("mtlab run --nproc: cannot read this process's command line (/proc/self/cmdline)");
  argv.front() = std::filesystem::read_symlink("/proc/self/exe").string();
  return argv;
}

// A port on 127.0.0.1 that was free a moment ago (the kernel's pick).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    if (fd >= 0) close(fd);
    throw Error(fmt::format("mtlab run --nproc: no free port on 127.0.0.1: {}", std::strerror(errno)));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

pid_t start_rank(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  SpawnOptions spawn;
  spawn.what = "a data-parallel rank (mtlab run --nproc)";
  spawn.env = env;
  spawn.own_process_group = true;  // Ctrl-C reaches it through us, once
  return spawn_child(argv, spawn);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

// 0, or 130: interrupted (Ctrl-C), which every rank does together.
bool succeeded(int status) { return WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 130); }
bool interrupted(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 130; }

}  // namespace

void add_launch_options(CLI::App& run, LaunchOptions& o) {
  auto* nproc = run.add_option("--nproc", o.nproc,
                               "Data-parallel: run every trial on N local ranks (torchrun's variables, Gloo on 127.0.0.1)")
                    ->check(CLI::Range(1, 256));
  // Workers share a sweep's trials; ranks share each trial's batches: one or the other.
  if (auto* workers = run.get_option_no_throw("--workers")) nproc->excludes(workers);
  run.add_option("--threads-per-rank", o.threads_per_rank,
                 "With --nproc: LibTorch threads of each rank (OMP_NUM_THREADS; default: the cores / N)")
      ->check(CLI::Range(1, 1024));
}

std::vector<std::string> rank_command_line(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--nproc" || a == "--threads-per-rank") {
      ++i;  // and its value
    } else if (a.rfind("--nproc=", 0) != 0 && a.rfind("--threads-per-rank=", 0) != 0) {
      out.push_back(a);
    }
  }
  return out;
}

int launch_local_ranks(const LaunchOptions& o) {
  if (std::getenv("WORLD_SIZE") || std::getenv("SLURM_NTASKS")) {
    log::warn("mtlab run --nproc {}: WORLD_SIZE/SLURM_NTASKS in the environment are replaced for the local ranks",
              o.nproc);
  }
  const std::vector<std::string> argv = rank_command_line(own_command_line());
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = o.threads_per_rank > 0 ? o.threads_per_rank : std::max(1, cores / o.nproc);
  const int port = free_port();
  install_interrupt_handlers();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < o.nproc; ++rank) {
    const std::vector<std::string> env{
        "MASTER_ADDR=127.0.0.1",           fmt::format("MASTER_PORT={}", port),
        fmt::format("RANK={}", rank),      fmt::format("LOCAL_RANK={}", rank),
        fmt::format("WORLD_SIZE={}", o.nproc), fmt::format("LOCAL_WORLD_SIZE={}", o.nproc),
        fmt::format("OMP_NUM_THREADS={}", threads), fmt::format("MKL_NUM_THREADS={}", threads)};
    pids.push_back(start_rank(argv, env));
    log::debug("rank {}: pid {}", rank, pids.back());
  }
  log::info("data-parallel: {} ranks × {} thread(s) on 127.0.0.1:{}", o.nproc, threads, port);

  std::vector<int> status(pids.size(), -1);
  std::size_t running = pids.size();
  bool forwarded = false;
  std::optional<Clock::time_point> deadline;  // set when a rank failed
  std::string first_failure;
  while (running > 0) {
    if (interrupt_requested() && !forwarded) {  // Ctrl-C: every rank checkpoints at the same step
      for (std::size_t r = 0; r < pids.size(); ++r) if (status[r] < 0) kill(pids[r], SIGINT);
      forwarded = true;
    }
    if (deadline && Clock::now() > *deadline) {
      for (std::size_t r = 0; r < pids.size(); ++r) if (status[r] < 0) kill(pids[r], SIGKILL);
    }
    int s = 0;
    const pid_t pid = waitpid(-1, &s, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto r = static_cast<std::size_t>(std::find(pids.begin(), pids.end(), pid) - pids.begin());
    if (r >= pids.size()) continue;
    status[r] = s;
    --running;
    if (!succeeded(s) && first_failure.empty()) {
      first_failure = fmt::format("rank {} (pid {}) {}", r, pid, describe_status(s));
      if (running > 0) {
        fmt::print(stderr, "mtlab: {}; the other ranks get {}s to fail their trial, then are ended\n", first_failure,
                   kGrace.count());
        deadline = Clock::now() + kGrace;
      }
    }
  }
  if (first_failure.empty()) return std::any_of(status.begin(), status.end(), interrupted) ? 130 : 0;
  fmt::print(stderr, "mtlab: data-parallel run failed: {}\n", first_failure);
  if (WIFEXITED(status[0]) && WEXITSTATUS(status[0]) != 0) return WEXITSTATUS(status[0]);
  return 1;
}

}  // namespace mtlab::cli
