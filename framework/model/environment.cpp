#include "mtlab/model/environment.h"

#include <dlfcn.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "mtlab/build_info.h"
#include "mtlab/model/fast_linear.h"

namespace mtlab {
namespace {

std::string mapped_blas_library() {
  // Make sure LibTorch has touched its BLAS, then look at what is mapped.
  (void)torch::mm(torch::ones({2, 2}), torch::ones({2, 2}));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::set<std::string> found;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string name = std::filesystem::path(path).filename().string();
    if (name.find("blas") != std::string::npos || name.find("mkl_rt") != std::string::npos) {
      std::error_code ec;
      auto real = std::filesystem::canonical(path, ec);
      found.insert(ec ? path : real.string());
    }
  }
  std::string out;
  for (const auto& f : found) out += (out.empty() ? "" : ", ") + f;
  return out.empty() ? "none found" : out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

}  // namespace

Environment describe_environment() {
  Environment env;
  env.mtlab_version = build_info::kVersion;
  env.git_commit = build_info::kGitCommit;
  env.torch_version = TORCH_VERSION;
  env.blas = mapped_blas_library();
  env.blas_optimized = env.blas.find("openblas") != std::string::npos || env.blas.find("mkl") != std::string::npos ||
                       env.blas.find("blis") != std::string::npos;
  using ConfigFn = char* (*)();
  if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    env.blas_details = config();
    if (auto core = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) {
      env.blas_details += std::string(" core=") + core();
    }
  }
  // Linear layers in inference; autograd (training) uses LibTorch's BLAS path.
  env.matmul_path = matmul_path_name(matmul_path());
  env.threads = at::get_num_threads();
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  env.host = host;
  utsname u{};
  if (uname(&u) == 0) env.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  env.cpu = fmt::format("{} ({} logical cores)", cpu_model(), sysconf(_SC_NPROCESSORS_ONLN));
  return env;
}

std::string format_environment(const Environment& env) {
  std::string out;
  out += fmt::format("mtlab {} (git {})\n", env.mtlab_version, env.git_commit);
  out += fmt::format("libtorch: {}\n", env.torch_version);
  out += fmt::format("blas: {}{}\n", env.blas, env.blas_optimized ? "" : " (reference BLAS: slow)");
  if (!env.blas_details.empty()) out += fmt::format("blas config: {}\n", env.blas_details);
  out += fmt::format("matmul path: {}\n", env.matmul_path);
  out += fmt::format("threads: {}\n", env.threads);
  out += fmt::format("host: {} · {} · {}\n", env.host, env.os, env.cpu);
  return out;
}

int set_threads(int threads) {
  const int n = threads_or_all_cores(threads);
  at::set_num_threads(n);
  return n;
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

namespace {
std::mutex sharing_mutex;
std::function<int()> sharing;  // share_cores
}  // namespace

void share_cores(std::function<int()> processes) {
  std::lock_guard<std::mutex> lock(sharing_mutex);
  sharing = std::move(processes);
}

int threads_or_all_cores(int threads) {
  if (threads > 0) return threads;
  if (const char* omp = std::getenv("OMP_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(omp, &end, 10);
    if (end != omp && *end == '\0' && n > 0) return static_cast<int>(std::min<long>(n, 1024));
  }
  std::lock_guard<std::mutex> lock(sharing_mutex);
  return cores_share(sharing ? sharing() : 1);
}

int cores_share(int processes) { return std::max(1, available_cores() / std::max(1, processes)); }

}  // namespace mtlab
