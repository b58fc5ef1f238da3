// The crf head plugin, loaded from its .so, against brute force: every label
// sequence of short rows (1–4 labelled positions, 3–5 labels) enumerated. All in
// double precision; tolerance 1e-9 absolute on log-likelihoods and gradients.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "training_fixture.h"

using namespace mtlab;
using Catch::Matchers::Contains;

namespace {

constexpr double kTolerance = 1e-9;

struct Crf {
  std::shared_ptr<Head> head;
  at::Tensor start, end, transitions;  // the head's own parameters
};

// A crf head over `labels` labels with random transition scores (uniform in [-1, 1]).
Crf make_crf(std::int64_t labels, bool constrain, const std::vector<std::string>& names = {}) {
  auto head = test::shipped_plugins().create<Head>(
      plugin::Kind::head, "crf", Config(nlohmann::json{{"constrain_bio", constrain}, {"dropout", 0.0}}, "[test crf]"));
  head->set_labels(names);
  head->build(4, labels);
  head->to(torch::kDouble);
  Crf out{head, {}, {}, {}};
  torch::NoGradGuard no_grad;
  for (const auto& p : head->named_parameters()) {
    if (p.key() == "start_transitions") out.start = p.value();
    if (p.key() == "end_transitions") out.end = p.value();
    if (p.key() == "transitions") out.transitions = p.value();
  }
  REQUIRE(out.transitions.defined());
  for (auto* p : {&out.start, &out.end, &out.transitions}) p->uniform_(-1, 1);
  return out;
}

// Every label sequence of length n over c labels.
void for_each_path(std::int64_t n, std::int64_t c, const std::function<void(const std::vector<std::int64_t>&)>& visit) {
  std::vector<std::int64_t> path(static_cast<std::size_t>(n), 0);
  while (true) {
    visit(path);
    std::size_t i = 0;
    while (i < path.size() && ++path[i] == c) path[i++] = 0;
    if (i == path.size()) return;
  }
}

// The score of `path` over the labelled positions `pos` of emissions row [T, C] (a tensor, for autograd).
at::Tensor path_score(const Crf& crf, const at::Tensor& row, const std::vector<std::int64_t>& pos,
                      const std::vector<std::int64_t>& path) {
  auto s = crf.start[path[0]] + crf.end[path.back()];
  for (std::size_t i = 0; i < path.size(); ++i) {
    s = s + row[pos[i]][path[i]];
    if (i > 0) s = s + crf.transitions[path[i - 1]][path[i]];
  }
  return s;
}

struct Brute {
  at::Tensor log_z;                  // log Σ_paths exp(score)
  std::vector<std::int64_t> best;    // the argmax path (among allowed ones)
};
Brute brute_force(const Crf& crf, const at::Tensor& row, const std::vector<std::int64_t>& pos, std::int64_t c,
                  const std::function<bool(const std::vector<std::int64_t>&)>& allowed = nullptr) {
  std::vector<at::Tensor> scores;
  Brute out;
  double best = -std::numeric_limits<double>::infinity();
  for_each_path(static_cast<std::int64_t>(pos.size()), c, [&](const std::vector<std::int64_t>& path) {
    auto s = path_score(crf, row, pos, path);
    scores.push_back(s);
    if ((!allowed || allowed(path)) && s.item<double>() > best) best = s.item<double>(), out.best = path;
  });
  out.log_z = torch::logsumexp(torch::stack(scores), 0);
  return out;
}

// Random emissions [B, T, C] and targets with kIgnoreIndex at random places;
// row 0 keeps nothing (it must not count), the others keep 1–4 positions.
struct RandomRows {
  at::Tensor emissions, targets;
  std::vector<std::vector<std::int64_t>> kept;  // per row, the labelled positions
};
RandomRows random_batch(std::int64_t rows, std::int64_t c, std::mt19937& rng) {
  const std::int64_t width = 7;
  RandomRows b{torch::randn({rows, width, c}, torch::kDouble) * 2, torch::full({rows, width}, kIgnoreIndex, torch::kLong), {}};
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<std::int64_t> pos;
    const std::int64_t n = r == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % 4);
    for (std::int64_t t = 0; t < width && static_cast<std::int64_t>(pos.size()) < n; ++t) {
      if (rng() % 3 != 0 || width - t <= n - static_cast<std::int64_t>(pos.size())) pos.push_back(t);
    }
    for (auto t : pos) b.targets[r][t] = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(c));
    b.kept.push_back(pos);
  }
  return b;
}

std::vector<std::int64_t> gold_of(const RandomRows& b, std::int64_t r) {
  std::vector<std::int64_t> gold;
  for (auto t : b.kept[static_cast<std::size_t>(r)]) gold.push_back(b.targets[r][t].item<std::int64_t>());
  return gold;
}

at::Tensor mask_of(const RandomRows& b) { return b.targets != kIgnoreIndex; }

std::vector<std::int64_t> decoded_at(const at::Tensor& decoded, std::int64_t r, const std::vector<std::int64_t>& pos) {
  std::vector<std::int64_t> out;
  for (auto t : pos) out.push_back(decoded[r][t].item<std::int64_t>());
  return out;
}

}  // namespace

TEST_CASE("crf forward algorithm and negative log-likelihood equal brute-force enumeration", "[plugins][crf]") {
  std::mt19937 rng(7);
  for (std::int64_t c = 3; c <= 5; ++c) {
    for (int trial = 0; trial < 4; ++trial) {
      torch::manual_seed(static_cast<std::uint64_t>(100 * c + trial));
      const auto crf = make_crf(c, false);
      const auto b = random_batch(5, c, rng);
      CHECK(crf.head->owns_loss());
      double sum = 0;
      for (std::int64_t r = 1; r < 5; ++r) {
        const auto& pos = b.kept[static_cast<std::size_t>(r)];
        const auto brute = brute_force(crf, b.emissions[r], pos, c);
        const auto gold = gold_of(b, r);
        const double nll = crf.head->loss(b.emissions.narrow(0, r, 1), b.targets.narrow(0, r, 1)).item<double>();
        const double expected = (brute.log_z - path_score(crf, b.emissions[r], pos, gold)).item<double>();
        INFO("labels " << c << " row " << r << " length " << pos.size());
        CHECK(std::abs(nll - expected) < kTolerance);
        // The forward algorithm's log-partition: nll + score(gold) = log Σ exp(score).
        CHECK(std::abs(nll + path_score(crf, b.emissions[r], pos, gold).item<double>() - brute.log_z.item<double>()) <
              kTolerance);
        sum += nll;
      }
      // The batch loss is the mean over the rows that have labels (row 0 has none).
      CHECK(std::abs(crf.head->loss(b.emissions, b.targets).item<double>() - sum / 4) < kTolerance);
    }
  }
}

TEST_CASE("crf probabilities of all label sequences sum to one", "[plugins][crf]") {
  torch::manual_seed(3);
  const std::int64_t c = 3;
  const auto crf = make_crf(c, false);
  const auto emissions = torch::randn({1, 5, c}, torch::kDouble);
  const std::vector<std::int64_t> pos{0, 2, 3, 4};  // position 1 is a later word piece
  double total = 0;
  for_each_path(4, c, [&](const std::vector<std::int64_t>& path) {
    auto targets = torch::full({1, 5}, kIgnoreIndex, torch::kLong);
    for (std::size_t i = 0; i < pos.size(); ++i) targets[0][pos[i]] = path[i];
    total += std::exp(-crf.head->loss(emissions, targets).item<double>());
  });
  CHECK(std::abs(total - 1.0) < kTolerance);
}

TEST_CASE("crf viterbi decoding equals the brute-force best path", "[plugins][crf]") {
  std::mt19937 rng(11);
  for (std::int64_t c = 3; c <= 5; ++c) {
    torch::manual_seed(static_cast<std::uint64_t>(c));
    const auto crf = make_crf(c, false);
    const auto b = random_batch(8, c, rng);
    const auto decoded = crf.head->decode(b.emissions, mask_of(b));
    REQUIRE(decoded.sizes() == b.targets.sizes());
    for (std::int64_t r = 1; r < 8; ++r) {
      const auto& pos = b.kept[static_cast<std::size_t>(r)];
      CHECK(decoded_at(decoded, r, pos) == brute_force(crf, b.emissions[r], pos, c).best);
    }
    // Unmasked positions get the argmax (row 0 has none masked).
    CHECK(torch::equal(decoded[0], b.emissions[0].argmax(-1)));
  }
}

TEST_CASE("crf constrained decoding keeps BIO well formed and equals brute force over allowed paths",
          "[plugins][crf]") {
  const std::vector<std::string> names{"O", "B-a", "I-a", "B-b", "I-b"};
  // BIO by hand: I-x never starts, and follows only B-x or I-x.
  const auto allowed = [&](const std::vector<std::int64_t>& path) {
    for (std::size_t i = 0; i < path.size(); ++i) {
      const std::string& tag = names[static_cast<std::size_t>(path[i])];
      if (tag[0] != 'I') continue;
      if (i == 0) return false;
      const std::string& before = names[static_cast<std::size_t>(path[i - 1])];
      if (before == "O" || before.substr(2) != tag.substr(2)) return false;
    }
    return true;
  };
  std::mt19937 rng(5);
  std::size_t differs = 0;
  for (int trial = 0; trial < 6; ++trial) {
    torch::manual_seed(static_cast<std::uint64_t>(40 + trial));
    const auto crf = make_crf(5, true, names);
    auto b = random_batch(8, 5, rng);
    b.emissions.select(2, 2).add_(1.5), b.emissions.select(2, 4).add_(1.5);  // tempt the decoder into I-x
    const auto decoded = crf.head->decode(b.emissions, mask_of(b));
    auto free = make_crf(5, false);
    {
      torch::NoGradGuard no_grad;
      free.start.copy_(crf.start), free.end.copy_(crf.end), free.transitions.copy_(crf.transitions);
    }
    const auto unconstrained = free.head->decode(b.emissions, mask_of(b));
    for (std::int64_t r = 1; r < 8; ++r) {
      const auto& pos = b.kept[static_cast<std::size_t>(r)];
      const auto path = decoded_at(decoded, r, pos);
      CHECK(allowed(path));
      CHECK(path == brute_force(crf, b.emissions[r], pos, 5, allowed).best);
      differs += decoded_at(unconstrained, r, pos) != path ? 1 : 0;
    }
  }
  CHECK(differs > 0);  // the constraints did change some decodings
}

TEST_CASE("crf gradients equal those of the brute-force loss", "[plugins][crf]") {
  torch::manual_seed(9);
  const std::int64_t c = 3;
  const auto crf = make_crf(c, false);
  auto emissions = torch::randn({2, 4, c}, torch::kDouble).requires_grad_(true);
  const std::int64_t x = kIgnoreIndex;
  const auto targets = torch::tensor(std::vector<std::int64_t>{2, x, 0, 1, x, 1, 1, x}).view({2, 4});
  const std::vector<std::vector<std::int64_t>> pos{{0, 2, 3}, {1, 2}};
  const std::vector<std::vector<std::int64_t>> gold{{2, 0, 1}, {1, 1}};

  const std::vector<at::Tensor> wrt{emissions, crf.start, crf.end, crf.transitions};
  const auto ours = torch::autograd::grad({crf.head->loss(emissions, targets)}, wrt);
  at::Tensor brute = torch::zeros({}, torch::kDouble);
  for (std::int64_t r = 0; r < 2; ++r) {
    const auto& a = pos[static_cast<std::size_t>(r)];
    brute = brute + brute_force(crf, emissions[r], a, c).log_z - path_score(crf, emissions[r], a, gold[static_cast<std::size_t>(r)]);
  }
  const auto expected = torch::autograd::grad({brute / 2}, wrt);
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    INFO("gradient " << i);
    CHECK((ours[i] - expected[i]).abs().max().item<double>() < kTolerance);
  }
  // Ignored positions get no gradient.
  CHECK(ours[0][0][1].abs().sum().item<double>() == 0.0);
}

TEST_CASE("crf refuses labels that are not BIO at constrain_bio and says where", "[plugins][crf]") {
  const Config config(nlohmann::json{{"constrain_bio", true}}, "exp.toml [tasks.pos.head_config]",
                      {{"constrain_bio", "exp.toml:12:1"}});
  auto head = test::shipped_plugins().create<Head>(plugin::Kind::head, "crf", config);
  head->set_labels({"NOUN", "VERB", "O"});
  CHECK_THROWS_WITH(head->build(4, 3), Contains("exp.toml:12:1") && Contains("'NOUN', 'VERB'") &&
                                           Contains("set constrain_bio = false"));
  auto untold = test::shipped_plugins().create<Head>(plugin::Kind::head, "crf", config);
  CHECK_THROWS_WITH(untold->build(4, 3), Contains("needs the task's label names"));
  // Without constraints any tag set is fine.
  auto free = test::shipped_plugins().create<Head>(plugin::Kind::head, "crf",
                                                   Config(nlohmann::json{{"constrain_bio", false}}, "[test]"));
  free->set_labels({"NOUN", "VERB", "O"});
  CHECK_NOTHROW(free->build(4, 3));
  CHECK(free->forward(EncoderOutput{torch::randn({2, 5, 4}), {}, {}}).sizes() == at::IntArrayRef({2, 5, 3}));
}
