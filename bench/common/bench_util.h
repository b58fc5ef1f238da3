#pragma once
// Shared by the benchmarks: wall-clock helpers, resident memory, and the rate of
// a plain matrix product through a chosen path (the machine's reference speed).
#include <sys/resource.h>
#include <unistd.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>

#include "mtlab/bert/bert_config.h"
#include "mtlab/model/fast_linear.h"

namespace mtlab::bench {

using Clock = std::chrono::steady_clock;

// Runs a benchmark's main `body`; a bad option or a failure is one line on stderr
// naming the benchmark, and exit status 2, not std::terminate's abort.
template <class Body>
int guarded_main(const char* name, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 2;
  }
}

// Reads a benchmark's `--name value` pairs: `set(name, value)` takes one and
// returns whether it knows the name. --help or -h prints `usage` and returns false
// (the caller exits 0); a name without a value, or one `set` does not know, throws.
template <class Set>
bool read_options(int argc, char** argv, const char* usage, Set set) {
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (name == "--help" || name == "-h") {
      std::printf("%s", usage);
      return false;
    }
    if (i + 1 == argc) throw std::runtime_error(name + " needs a value (see --help)");
    if (!set(name, argv[i + 1])) throw std::runtime_error("unknown option " + name + " (see --help)");
  }
  return true;
}

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

inline double current_rss_mb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024.0) / 1024.0;
}

inline double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

// Forward FLOPs per token of a BERT-family encoder on a sequence of t tokens
// (matrix products only): per layer Q, K, V and output (4·2H²), feed-forward
// (2·2HI), attention scores and context (2·2tH); plus ELECTRA's projection of
// narrower embeddings (2·E·H) when the embeddings are not H wide.
inline double bert_forward_flops_per_token(const mtlab::BertConfig& c, double t) {
  const double h = static_cast<double>(c.hidden_size), inter = static_cast<double>(c.intermediate_size);
  const double e = static_cast<double>(c.embedding_width());
  const double projection = e != h ? 2 * e * h : 0.0;
  return static_cast<double>(c.num_hidden_layers) * (8 * h * h + 4 * h * inter + 4 * t * h) + projection;
}

// Forward FLOPs of one sequence of t tokens: its tokens', plus the pooler's dense
// product on the first token (2·H²) in the families that have a pooler (BERT,
// RoBERTa; not ELECTRA or DistilBERT), which BertModel::forward always runs.
inline double bert_forward_flops(const mtlab::BertConfig& c, double t) {
  const double h = static_cast<double>(c.hidden_size);
  return t * bert_forward_flops_per_token(c, t) + (c.has_pooler() ? 2 * h * h : 0.0);
}

// GFLOP/s of [m × k] · [n × k]ᵀ + bias, best of `reps`, through `path`.
inline double gemm_rate(std::int64_t m, std::int64_t k, std::int64_t n, mtlab::MatmulPath path, int reps = 5) {
  mtlab::set_matmul_path(path);
  c10::InferenceMode inference;
  auto x = torch::randn({m, k}), w = torch::randn({n, k}), b = torch::randn({n});
  (void)mtlab::fast_linear(x, w, b);
  // Best of at least `reps` calls and 0.3 s: a small product takes well under a
  // millisecond, and a handful of calls gave rates scattered by 5x on a shared host.
  double best = 1e30;
  const auto start = Clock::now();
  for (int r = 0; r < reps || seconds_since(start) < 0.3; ++r) {
    const auto t = Clock::now();
    auto y = mtlab::fast_linear(x, w, b);
    best = std::min(best, seconds_since(t));
  }
  return 2.0 * m * k * n / best / 1e9;
}

}  // namespace mtlab::bench
