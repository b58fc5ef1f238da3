// How fast workers claim trials from one results store, and that no trial is
// ever claimed twice: W worker processes (each its own connection) walk the
// same queue of T trials in order, as `mtlab worker` does, claiming each
// (ResultsStore::claim_trial, RerunPolicy::resume) and marking a claimed trial
// completed at once (a zero-length trial: the store's cost alone). Prints the
// claims per second (trials handed out) and claim calls per second (decisions,
// most of them "already done" or "taken"), then counts completed runs per trial.
//   bench_claims STORE [workers] [trials]   (defaults: 100 workers, 1,000 trials)
// STORE: a SQLite path (created) or a postgresql:// URL (its experiment "bench-claims-<pid>" is new).
#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "mtlab/storage/results_store.h"

using namespace mtlab::storage;
using Clock = std::chrono::steady_clock;

namespace {

NewRun trial(int i) {
  NewRun r;
  r.trial = fmt::format("t{}", i);
  r.seed = i;
  r.config_hash = fmt::format("h{}", i);
  r.config_json = fmt::format(R"({{"optimizer": {{"lr": {}}}}})", i);
  r.environment.host = "bench";  // as if on another host: liveness by heartbeat only
  return r;
}

// One worker: every trial once in order; writes its claims and calls to `out`.
int work(const std::string& location, const std::string& experiment, int trials, int out) {
  try {
    const auto store = open_store(location, StoreMode::read_write);
    const auto id = store->begin_experiment(experiment);
    int claimed = 0, calls = 0;
    for (int i = 0; i < trials; ++i) {
      ++calls;
      const auto claim = store->claim_trial(id, trial(i), RerunPolicy::resume, kStaleAfter, {}, 3);
      if (!claim.run_id) continue;
      ++claimed;
      store->set_status(*claim.run_id, RunStatus::running);
      store->set_status(*claim.run_id, RunStatus::completed);
    }
    const int counts[2] = {claimed, calls};
    return write(out, counts, sizeof(counts)) == sizeof(counts) ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "worker {}: {}\n", getpid(), e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_claims STORE [workers] [trials]\n");
    return 2;
  }
  const std::string location = argv[1];
  const int workers = argc > 2 ? std::atoi(argv[2]) : 100;
  const int trials = argc > 3 ? std::atoi(argv[3]) : 1000;
  const std::string experiment = fmt::format("bench-claims-{}", getpid());
  open_store(location, StoreMode::read_write)->begin_experiment(experiment);  // schema created before the clock

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 1;
  const auto start = Clock::now();
  std::vector<pid_t> children;
  for (int w = 0; w < workers; ++w) {
    const pid_t pid = fork();
    if (pid == 0) _exit(work(location, experiment, trials, pipe_fds[1]));
    children.push_back(pid);
  }
  close(pipe_fds[1]);
  int failures = 0;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  long claimed = 0, calls = 0;
  int counts[2];
  while (read(pipe_fds[0], counts, sizeof(counts)) == sizeof(counts)) claimed += counts[0], calls += counts[1];

  const auto store = open_store(location, StoreMode::read_only);
  const auto table = store->query(fmt::format(
      "SELECT count(*), coalesce(sum(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) FROM (SELECT r.trial, count(*) AS n "
      "FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE e.name = '{}' AND r.status = 'completed' "
      "GROUP BY r.trial) AS per_trial",
      experiment));
  const auto done = std::get<std::int64_t>(table.rows.at(0).at(0));
  const auto doubles = std::get<std::int64_t>(table.rows.at(0).at(1));
  fmt::print("store {}: {} workers, {} trials: {:.1f} s, {:.0f} claims/s, {:.0f} claim calls/s; "
             "{} trials completed, {} claimed twice, {} worker failures\n",
             store->location(), workers, trials, seconds, claimed / seconds, calls / seconds, done, doubles, failures);
  return (done == trials && doubles == 0 && claimed == trials && failures == 0) ? 0 : 1;
}
