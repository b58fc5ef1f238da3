#pragma once
// What the end-to-end tests of `mtlab run` and `mtlab worker` share: starting
// mtlab in a folder as a real child process, killing it at a chosen moment,
// and reading a sweep's results back for comparison.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "mtlab/storage/database.h"
#include "mtlab/storage/query.h"
#include "run_command.h"
#include "test_paths.h"
#include "tiny_atis.h"

namespace mtlab::test {

// The shell command `cd DIR && ENV MTLAB_DATA=<shared data> mtlab ARGS`; `env` (may be
// empty) is what goes before the variable: more NAME=value pairs, or `env -u NAME`.
inline std::string mtlab_command(const std::filesystem::path& dir, const std::string& args,
                                 const std::string& env = "") {
  return "cd " + shell_quote(dir.string()) + " && " + (env.empty() ? "" : env + " ") +
         "MTLAB_DATA=" + shell_quote(data_dir().string()) + " " + shell_quote(mtlab_executable().string()) + " " +
         args;
}

// Starts `mtlab ARGS...` in `dir` (MTLAB_DATA set, and OMP_NUM_THREADS when `threads`
// is positive), its output to dir/<log>.
inline pid_t start_mtlab(const std::filesystem::path& dir, const std::vector<std::string>& args,
                         const std::string& log = "run.log", int threads = 0) {
  const pid_t child = fork();
  if (child == 0) {
    if (chdir(dir.c_str()) != 0) _exit(127);
    setenv("MTLAB_DATA", data_dir().c_str(), 1);
    if (threads > 0) setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), 1);
    if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(127);
    const std::string exe = mtlab_executable().string();
    std::vector<char*> argv{const_cast<char*>("mtlab")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return child;
}

// Waits (5 minutes at most) until a file named `name` exists under dir/runs;
// false when `child` ended first or time ran out.
inline bool wait_for_run_file(const std::filesystem::path& dir, const std::string& name, pid_t child) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir / "runs", ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().filename() == name) return true;
    }
    if (waitpid(child, nullptr, WNOHANG) == child) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

inline int wait_exit_code(pid_t child) {
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Final metrics by "trial metric".
inline std::map<std::string, double> final_metrics(const storage::Database& db) {
  std::map<std::string, double> out;
  auto t = storage::run_read_only_query(
      db, "SELECT r.trial || ' ' || f.metric, f.value FROM final_metrics f JOIN runs r ON r.id = f.run_id");
  for (const auto& row : t.rows) out[std::get<std::string>(row.at(0))] = std::get<double>(row.at(1));
  return out;
}

// Metric rows of completed runs by "trial split task name" (gradient norms aside).
inline std::map<std::string, std::int64_t> metric_rows(const storage::Database& db) {
  std::map<std::string, std::int64_t> out;
  auto t = storage::run_read_only_query(
      db, "SELECT r.trial || ' ' || m.split || ' ' || m.task || ' ' || m.name, count(*) FROM metrics m "
          "JOIN runs r ON r.id = m.run_id WHERE r.status = 'completed' AND m.name NOT LIKE 'grad_norm%' "
          "GROUP BY 1");
  for (const auto& row : t.rows) out[std::get<std::string>(row.at(0))] = std::get<std::int64_t>(row.at(1));
  return out;
}

}  // namespace mtlab::test
