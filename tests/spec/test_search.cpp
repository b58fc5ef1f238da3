// [sweep.search]: sampled searches (random, sobol, grid) expanded into trials —
// determinism, the samplers' distributions (statistical tests with a fixed seed),
// conditions, seeds and grids combined, --set, the trial cap — and the Sobol'
// sequence itself against its published points and its balance properties.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "mtlab/core/rng.h"
#include "mtlab/spec/sobol.h"
#include "mtlab/spec/trial_format.h"
#include "spec_fixtures.h"
#include "test_paths.h"

using namespace mtlab;
using mtlab::test::write_file;

namespace {

std::vector<spec::Trial> trials_of(const std::string& name, const std::string& text, spec::LoadOptions options = {}) {
  const auto dir = test::scratch_dir(name);
  return spec::load_experiment(write_file(dir, "exp.toml", text), options).trials;
}

std::vector<std::string> names(const std::vector<spec::Trial>& trials) {
  std::vector<std::string> out;
  for (const auto& t : trials) out.push_back(t.name);
  return out;
}

// The resolved value of `key` in every trial that sets it by the search.
std::vector<nlohmann::json> sampled(const std::vector<spec::Trial>& trials, const std::string& key) {
  std::vector<nlohmann::json> out;
  for (const auto& t : trials) {
    for (const auto& s : t.swept) {
      if (s.key == key) out.push_back(s.value);
    }
  }
  return out;
}

std::vector<double> numbers(const std::vector<nlohmann::json>& values) {
  std::vector<double> out;
  for (const auto& v : values) out.push_back(v.get<double>());
  return out;
}

// Kolmogorov–Smirnov statistic D of a sample against a continuous CDF.
template <class Cdf>
double ks_statistic(std::vector<double> x, Cdf cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}

// The KS critical value at significance 0.01, asymptotic: sqrt(-ln(0.005)/2) / sqrt(n) = 1.6276 / sqrt(n).
double ks_critical_1pct(std::size_t n) { return 1.6276 / std::sqrt(static_cast<double>(n)); }

// Pearson's chi-square of observed counts against expected probabilities.
double chi_square(const std::map<std::string, double>& observed, const std::map<std::string, double>& probability, double n) {
  double x = 0;
  for (const auto& [value, p] : probability) {
    const auto it = observed.find(value);
    const double o = it == observed.end() ? 0 : it->second;
    x += (o - n * p) * (o - n * p) / (n * p);
  }
  return x;
}

std::map<std::string, double> counts(const std::vector<nlohmann::json>& values) {
  std::map<std::string, double> out;
  for (const auto& v : values) out[v.dump()] += 1;
  return out;
}

// Chi-square critical values at significance 0.01 by degrees of freedom (tables of the distribution).
const std::map<int, double> kChiSquare1pct = {{2, 9.210}, {3, 11.345}, {7, 18.475}};

// Every distribution once, a condition, 1000 trials of generated data (no files, no plugins).
std::string search_spec(const std::string& sampler, int trials) {
  std::string base = test::kMinimalSpec;
  base.replace(base.find("name = \"t\"\n"), 11, "name = \"t\"\nseed = 7\n");
  return base + "[sweep]\nsampler = \"" + sampler + "\"\ntrials = " +
         std::to_string(trials) + R"(
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
"optimizer.warmup" = { distribution = "uniform", low = 0.0, high = 0.2 }
"training.batch_size" = { distribution = "int", low = 1, high = 8 }
"training.epochs" = { distribution = "int", low = 1, high = 8, log = true }
"training.freeze" = { distribution = "choice", values = ["none", "embeddings", "backbone"] }
"optimizer.layer_decay" = { distribution = "uniform", low = 0.7, high = 1.0, when = { "training.freeze" = "none" } }
)";
}

// Loaded once per sampler: a thousand trials are resolved and hashed.
const std::vector<spec::Trial>& thousand(const std::string& sampler) {
  static std::map<std::string, std::vector<spec::Trial>> cache;
  auto it = cache.find(sampler);
  if (it == cache.end()) it = cache.emplace(sampler, trials_of("search_stats_" + sampler, search_spec(sampler, 1000))).first;
  return it->second;
}

// The marginal tests every sampler must pass at the 1% level.
void check_marginals(const std::vector<spec::Trial>& trials) {
  REQUIRE(trials.size() == 1000);
  const double n = 1000;
  SECTION("uniform: Kolmogorov-Smirnov against x / 0.2 on [0, 0.2]") {
    const auto x = numbers(sampled(trials, "optimizer.warmup"));
    CHECK(*std::min_element(x.begin(), x.end()) >= 0.0);
    CHECK(*std::max_element(x.begin(), x.end()) <= 0.2);
    CHECK(ks_statistic(x, [](double v) { return v / 0.2; }) < ks_critical_1pct(x.size()));
  }
  SECTION("loguniform: uniform in log x, Kolmogorov-Smirnov on log10 x over [-5, -3]") {
    const auto x = numbers(sampled(trials, "optimizer.lr"));
    std::vector<double> logs;
    for (double v : x) logs.push_back(std::log10(v));
    CHECK(ks_statistic(logs, [](double v) { return (v + 5) / 2; }) < ks_critical_1pct(x.size()));
    // Not uniform in x: a tenth of the range [1e-5, 1e-3] holds half the draws in log scale, not a tenth.
    CHECK(std::count_if(x.begin(), x.end(), [](double v) { return v < 1e-4; }) > 400);
  }
  SECTION("int: chi-square of 1..8 against 1/8 each, 7 degrees of freedom") {
    const auto values = sampled(trials, "training.batch_size");
    std::map<std::string, double> p;
    for (int k = 1; k <= 8; ++k) p[std::to_string(k)] = 1.0 / 8;
    CHECK(counts(values).size() == 8);
    CHECK(chi_square(counts(values), p, n) < kChiSquare1pct.at(7));
  }
  SECTION("int with log: chi-square against P(k) = log((k+1)/k) / log 9") {
    const auto values = sampled(trials, "training.epochs");
    std::map<std::string, double> p;
    for (int k = 1; k <= 8; ++k) p[std::to_string(k)] = std::log((k + 1.0) / k) / std::log(9.0);
    CHECK(chi_square(counts(values), p, n) < kChiSquare1pct.at(7));
  }
  SECTION("choice: chi-square against 1/3 each, 2 degrees of freedom") {
    const auto values = sampled(trials, "training.freeze");
    const std::map<std::string, double> p = {{"\"none\"", 1.0 / 3}, {"\"embeddings\"", 1.0 / 3}, {"\"backbone\"", 1.0 / 3}};
    CHECK(chi_square(counts(values), p, n) < kChiSquare1pct.at(2));
  }
  SECTION("a conditional key: sampled exactly where its condition holds, uniform there") {
    std::vector<double> decay;
    for (const auto& t : trials) {
      const bool none = t.config["training"]["freeze"] == "none";
      const auto s = std::find_if(t.swept.begin(), t.swept.end(), [](const auto& v) { return v.key == "optimizer.layer_decay"; });
      CHECK((s != t.swept.end()) == none);
      CHECK((t.name.find("layer_decay=") != std::string::npos) == none);
      if (none) decay.push_back(s->value.get<double>());
      else CHECK(t.config["optimizer"]["layer_decay"] == 1.0);  // the default, untouched
    }
    REQUIRE(decay.size() > 250);
    CHECK(ks_statistic(decay, [](double v) { return (v - 0.7) / 0.3; }) < ks_critical_1pct(decay.size()));
  }
}

}  // namespace

TEST_CASE("Random search marginals pass their statistical tests at a fixed seed", "[spec][search]") {
  check_marginals(thousand("random"));
}

TEST_CASE("Sobol search marginals pass the same statistical tests", "[spec][search]") {
  check_marginals(thousand("sobol"));
}

TEST_CASE("A search is the same for the same spec and seed and differs with search_seed", "[spec][search]") {
  const std::string text = search_spec("random", 20);
  const auto a = trials_of("search_same_a", text);
  const auto b = trials_of("search_same_b", text);
  REQUIRE(a.size() == 20);
  CHECK(names(a) == names(b));
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].hash == b[i].hash);  // paths relative to the spec folder
  spec::LoadOptions options;
  options.overrides = {"sweep.search_seed=8"};
  const auto reseeded = trials_of("search_same_c", text, options);
  REQUIRE(reseeded.size() == 20);
  CHECK(names(reseeded) != names(a));
  // The default search seed is experiment.seed (7 here), not a seed of sweep.seeds.
  options.overrides = {"sweep.search_seed=7", "sweep.seeds=[1, 2]"};
  const auto seeded = trials_of("search_same_d", text, options);
  REQUIRE(seeded.size() == 40);
  for (std::size_t i = 0; i < 20; ++i) CHECK(seeded[2 * i].name == a[i].name + ",seed=1");
  CHECK(names(trials_of("search_same_e", search_spec("sobol", 20))) != names(a));
}

TEST_CASE("Sampled values keep four significant digits and name their trials", "[spec][search]") {
  const auto trials = trials_of("search_names", test::kMinimalSpec + R"([sweep]
trials = 3
search_seed = 1
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
"optimizer.warmup" = { distribution = "uniform", low = 0.0, high = 0.2, step = 0.05 }
"training.freeze" = { distribution = "choice", values = ["none", "embeddings", "layers:2"] }
)");
  REQUIRE(trials.size() == 3);
  for (const auto& t : trials) {
    INFO(t.name);
    const double lr = t.config["optimizer"]["lr"].get<double>();
    CHECK(nlohmann::json(std::stod(fmt::format("{:.3e}", lr))) == t.config["optimizer"]["lr"]);
    const double warmup = t.config["optimizer"]["warmup"].get<double>();
    CHECK(std::set<double>{0.0, 0.05, 0.1, 0.15, 0.2}.count(warmup) == 1);  // exactly, no binary noise
    CHECK(t.name == fmt::format("lr={},warmup={},freeze={}", nlohmann::json(lr).dump(), nlohmann::json(warmup).dump(),
                                t.config["training"]["freeze"].get<std::string>()));
  }
}

TEST_CASE("A uniform value keeps four digits of its range's width", "[spec][search]") {
  const auto trials = trials_of("search_uniform_digits", test::kMinimalSpec + R"([sweep]
trials = 50
[sweep.search]
"training.grad_clip" = { distribution = "uniform", low = 100.0, high = 101.0 }
)");
  REQUIRE(trials.size() == 50);
  std::set<double> distinct;
  for (const auto& v : numbers(sampled(trials, "training.grad_clip"))) {
    CHECK(std::fabs(v * 1000 - std::round(v * 1000)) < 1e-6);  // 100.347: a quantum of 1e-3
    distinct.insert(v);
  }
  CHECK(distinct.size() == 50);
}

TEST_CASE("The random stream is SplitMix64 as specified, on every host", "[spec][search]") {
  // The reference implementation's outputs (Vigna's splitmix64.c, as rand_xoshiro's test quotes them).
  SplitMix64 rng(1477776061723855037ull);
  CHECK(rng.next() == 1985237415132408290ull);
  CHECK(rng.next() == 2979275885539914483ull);
  CHECK(rng.next() == 13511426838097143398ull);
  // And a search drawn from it names the same trials on every host: pinned here, as an
  // independent implementation of the rule computes them (u = (next() >> 11)·2^-53 per key
  // in file order; lr = exp(ln 1e-5 + u·(ln 1e-3 − ln 1e-5)) to 4 digits; choice ⌊3u⌋).
  const auto trials = trials_of("search_pinned", test::kMinimalSpec + R"([sweep]
trials = 3
search_seed = 42
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
"training.freeze" = { distribution = "choice", values = ["none", "embeddings", "backbone"] }
)");
  CHECK(names(trials) == std::vector<std::string>{"lr=0.0003042,freeze=none", "lr=3.607e-05,freeze=embeddings",
                                                  "lr=1.191e-05,freeze=backbone"});
}

TEST_CASE("seeds repeat every sampled configuration, fastest", "[spec][search]") {
  const auto trials = trials_of("search_seeds", test::kMinimalSpec + R"([sweep]
trials = 3
seeds = [1, 2]
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
)");
  REQUIRE(trials.size() == 6);
  for (std::size_t i = 0; i < 6; i += 2) {
    CHECK(trials[i].config["optimizer"]["lr"] == trials[i + 1].config["optimizer"]["lr"]);
    CHECK(trials[i].seed == 1);
    CHECK(trials[i + 1].seed == 2);
    CHECK(trials[i + 1].name == trials[i].name.substr(0, trials[i].name.size() - 1) + "2");
  }
  CHECK(trials[0].config["optimizer"]["lr"] != trials[2].config["optimizer"]["lr"]);
}

TEST_CASE("A grid and a search combine as a product, the search one dimension", "[spec][search]") {
  const auto trials = trials_of("search_grid_product", test::kMinimalSpec + R"([sweep]
grid = { "training.epochs" = [1, 2] }
trials = 3
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
)");
  REQUIRE(trials.size() == 6);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(trials[i].config["training"]["epochs"] == 1);
    CHECK(trials[i + 3].config["training"]["epochs"] == 2);
    CHECK(trials[i].config["optimizer"]["lr"] == trials[i + 3].config["optimizer"]["lr"]);
    CHECK(trials[i].name.rfind("epochs=1,lr=", 0) == 0);
  }
}

TEST_CASE("Overriding sweep.trials and sweep.sampler with --set takes effect and more trials keep the first", "[spec][search]") {
  const auto dir = test::scratch_dir("search_set");
  const auto file = write_file(dir, "exp.toml", search_spec("random", 10));
  spec::LoadOptions options;
  options.overrides = {"sweep.trials=4"};
  const auto four = spec::load_experiment(file, options).trials;
  const auto ten = spec::load_experiment(file).trials;
  REQUIRE(four.size() == 4);
  REQUIRE(ten.size() == 10);
  for (std::size_t i = 0; i < 4; ++i) CHECK(four[i].name == ten[i].name);
  options.overrides = {"sweep.sampler=sobol", "sweep.trials=8"};
  const auto sobol = spec::load_experiment(file, options).trials;
  REQUIRE(sobol.size() == 8);
  CHECK(sobol[0].name != ten[0].name);
}

TEST_CASE("Sobol search balances discrete keys exactly over a power of two", "[spec][search]") {
  const auto trials = trials_of("search_sobol_balance", test::kMinimalSpec + R"([sweep]
sampler = "sobol"
trials = 64
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
"training.batch_size" = { distribution = "int", low = 1, high = 8 }
"training.freeze" = { distribution = "choice", values = ["none", "embeddings", "backbone", "all"] }
)");
  REQUIRE(trials.size() == 64);
  for (const auto& [value, count] : counts(sampled(trials, "training.batch_size"))) CHECK(count == 8);
  for (const auto& [value, count] : counts(sampled(trials, "training.freeze"))) CHECK(count == 16);
  CHECK(counts(sampled(trials, "training.batch_size")).size() == 8);
}

TEST_CASE("Grid search takes choices and ints in full and continuous keys at points", "[spec][search]") {
  const auto trials = trials_of("search_grid", test::kMinimalSpec + R"([sweep]
sampler = "grid"
[sweep.search]
"training.freeze" = { distribution = "choice", values = ["none", "embeddings"] }
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3, points = 3 }
"optimizer.layer_decay" = { distribution = "uniform", low = 0.8, high = 1.0, points = 2, when = { "training.freeze" = "none" } }
)");
  CHECK(names(trials) == std::vector<std::string>{
                             "freeze=none,lr=1e-05,layer_decay=0.8", "freeze=none,lr=1e-05,layer_decay=1.0",
                             "freeze=none,lr=0.0001,layer_decay=0.8", "freeze=none,lr=0.0001,layer_decay=1.0",
                             "freeze=none,lr=0.001,layer_decay=0.8", "freeze=none,lr=0.001,layer_decay=1.0",
                             "freeze=embeddings,lr=1e-05", "freeze=embeddings,lr=0.0001", "freeze=embeddings,lr=0.001"});
  spec::Experiment e;
  e.name = "t";
  e.trials = trials;
  const std::string listing = spec::format_trials(e);
  CHECK(listing.find("  [7/9] freeze=embeddings,lr=1e-05  hash ") != std::string::npos);
  CHECK(listing.find("      optimizer.layer_decay = 1.0  (default: its condition does not hold)\n") != std::string::npos);
}

TEST_CASE("A search larger than the trial cap or smaller than trials is refused", "[spec][search]") {
  const auto dir = test::scratch_dir("search_cap");
  spec::LoadOptions options;
  options.max_trials = 10;
  const auto many = write_file(dir, "many.toml", test::kMinimalSpec + R"([sweep]
trials = 4
seeds = [1, 2, 3]
[sweep.search]
"optimizer.lr" = { distribution = "loguniform", low = 1e-5, high = 1e-3 }
)");
  CHECK(test::errors_of(many, options) ==
        std::vector<std::string>{many.string() + ":12:2: sweep: the sweep expands to more than 10 trials; narrow it"});
  const auto small = write_file(dir, "small.toml", test::kMinimalSpec + R"([sweep]
trials = 7
[sweep.search]
"training.freeze" = { distribution = "choice", values = ["none", "all", "backbone"] }
"training.epochs" = { distribution = "int", low = 1, high = 2 }
)");
  CHECK(test::errors_of(small) == std::vector<std::string>{small.string() + ":13:1: sweep.trials: [sweep.search] holds only 6 "
                                                           "distinct configurations, fewer than trials = 7: lower trials, or use sampler = \"grid\""});
  options.overrides = {"sweep.trials=11"};
  CHECK(test::errors_of(small, options) ==
        std::vector<std::string>{"--set: sweep.trials: expected an integer in [1, 10], got 11"});
  options.overrides = {"sweep.sampler=grid", "sweep.trials=6"};
  CHECK(test::errors_of(small, options) ==
        std::vector<std::string>{"--set: sweep.trials: sampler = \"grid\" takes every combination of the grid; trials "
                                 "applies to random and sobol"});
}

// ---- the Sobol' sequence ----------------------------------------------------------------

TEST_CASE("Unscrambled Sobol points are the published sequence", "[spec][search][sobol]") {
  // scipy.stats.qmc.Sobol(d=3, scramble=False).random(8), which is Joe & Kuo's sobol.cc with the zero point.
  const std::vector<std::vector<double>> expected = {
      {0, 0, 0},          {0.5, 0.5, 0.5},     {0.75, 0.25, 0.25},  {0.25, 0.75, 0.75},
      {0.375, 0.375, 0.625}, {0.875, 0.875, 0.125}, {0.625, 0.125, 0.875}, {0.125, 0.625, 0.375}};
  spec::SobolSequence sobol(3);
  for (const auto& point : expected) CHECK(sobol.next() == point);
}

TEST_CASE("The first 2^k Sobol points put one point in each of 2^k bins of every dimension", "[spec][search][sobol]") {
  for (const bool scramble : {false, true}) {
    INFO("scrambled: " << scramble);
    auto sobol = scramble ? spec::SobolSequence(spec::kSobolMaxDimensions, 99) : spec::SobolSequence(spec::kSobolMaxDimensions);
    std::vector<std::vector<double>> points;
    for (int i = 0; i < 1024; ++i) points.push_back(sobol.next());
    for (std::size_t k = 1; k <= 10; ++k) {
      const std::size_t n = std::size_t{1} << k;
      for (std::size_t d = 0; d < spec::kSobolMaxDimensions; ++d) {
        std::vector<int> bins(n, 0);
        for (std::size_t i = 0; i < n; ++i) ++bins[static_cast<std::size_t>(points[i][d] * static_cast<double>(n))];
        INFO("k = " << k << ", dimension " << d + 1);
        CHECK(std::all_of(bins.begin(), bins.end(), [](int c) { return c == 1; }));
      }
    }
  }
}

TEST_CASE("The first two Sobol dimensions form a (0, 8, 2)-net", "[spec][search][sobol]") {
  // Every box of 2^-a by 2^-b with a + b = 8 holds exactly one of the first 256 points.
  spec::SobolSequence sobol(2, 5);
  std::vector<std::vector<double>> points;
  for (int i = 0; i < 256; ++i) points.push_back(sobol.next());
  for (int a = 0; a <= 8; ++a) {
    const int b = 8 - a;
    std::map<std::pair<int, int>, int> boxes;
    for (const auto& p : points) ++boxes[{static_cast<int>(p[0] * (1 << a)), static_cast<int>(p[1] * (1 << b))}];
    INFO("a = " << a);
    CHECK(boxes.size() == 256);
  }
}

TEST_CASE("Scrambled Sobol points are seeded and no longer start at zero", "[spec][search][sobol]") {
  spec::SobolSequence a(4, 1), b(4, 1), c(4, 2);
  const auto first = a.next();
  CHECK(first == b.next());
  CHECK(first != c.next());
  CHECK(std::none_of(first.begin(), first.end(), [](double x) { return x == 0; }));
  CHECK_THROWS_WITH(spec::SobolSequence(spec::kSobolMaxDimensions + 1), "a Sobol' sequence of 33 dimensions: expected 1 to 32");
}

TEST_CASE("Sobol points cover the square more evenly than random ones", "[spec][search][sobol]") {
  // L2-star discrepancy (Warnock 1972) of 256 points in two dimensions.
  auto discrepancy = [](const std::vector<std::vector<double>>& x) {
    const double n = static_cast<double>(x.size());
    double a = 0, b = 0;
    for (const auto& p : x) a += (1 - p[0] * p[0]) * (1 - p[1] * p[1]);
    for (const auto& p : x) {
      for (const auto& q : x) b += (1 - std::max(p[0], q[0])) * (1 - std::max(p[1], q[1]));
    }
    return std::sqrt(1.0 / 9 - a / (2 * n) + b / (n * n));
  };
  spec::SobolSequence sobol(2, 3);
  SplitMix64 rng(3);
  std::vector<std::vector<double>> s, r;
  for (int i = 0; i < 256; ++i) {
    s.push_back(sobol.next());
    r.push_back({rng.uniform(), rng.uniform()});
  }
  INFO("sobol " << discrepancy(s) << ", random " << discrepancy(r));
  CHECK(discrepancy(s) < discrepancy(r) / 4);
}
