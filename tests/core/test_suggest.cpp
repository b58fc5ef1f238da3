#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "mtlab/core/suggest.h"

TEST_CASE("edit distance", "[suggest]") {
  CHECK(mtlab::edit_distance("kitten", "sitting") == 3);
  CHECK(mtlab::edit_distance("", "abc") == 3);
  CHECK(mtlab::edit_distance("same", "same") == 0);
}

TEST_CASE("closest match only suggests plausible typos", "[suggest]") {
  const std::vector<std::string> keys{"batch_size", "epochs", "freeze", "max_steps"};
  CHECK(mtlab::closest_match("batch_sise", keys) == "batch_size");
  CHECK(mtlab::closest_match("epoch", keys) == "epochs");
  CHECK(mtlab::closest_match("completely_different", keys).empty());
  CHECK(mtlab::did_you_mean("freez", keys) == " (did you mean 'freeze'?)");
  CHECK(mtlab::join({"a", "b"}) == "a, b");
}

namespace {

// The textbook full-matrix Levenshtein distance, to check the banded one against.
std::size_t reference_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

TEST_CASE("banded distance and closest match agree with the full computation", "[suggest]") {
  std::mt19937 rng(7);
  // A small alphabet so that near and exact matches are common.
  auto word = [&](std::size_t max_len) {
    std::string s(std::uniform_int_distribution<std::size_t>(0, max_len)(rng), 'a');
    for (auto& c : s) c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 3)(rng));
    return s;
  };
  for (int round = 0; round < 2000; ++round) {
    const std::string name = word(round % 2 ? 12 : 40);
    std::vector<std::string> candidates;
    for (int i = 0; i < 6; ++i) candidates.push_back(word(14));
    std::string expected;
    std::size_t expected_distance = 0;
    bool found = false;
    for (const auto& c : candidates) {
      const std::size_t d = reference_distance(name, c);
      REQUIRE(mtlab::edit_distance(name, c) == d);
      const std::size_t limit = std::max<std::size_t>(2, std::max(name.size(), c.size()) / 3);
      if (d <= limit && (!found || d < expected_distance)) {
        expected = c;
        expected_distance = d;
        found = true;
      }
    }
    INFO("name '" << name << "'");
    CHECK(mtlab::closest_match(name, candidates) == expected);
  }
}

TEST_CASE("the nearest plausible candidate wins, not the nearest overall", "[suggest]") {
  // 21 letters: 8 substitutions away is above the limit of 7 for 21 letters; 9 insertions
  // away from a 30-letter key is within its limit of 10, so that one is suggested.
  const std::string name(21, 'a');
  const std::string near_but_too_far = std::string(8, 'b') + std::string(13, 'a');
  const std::string longer = name + std::string(9, 'c');
  CHECK(mtlab::closest_match(name, {near_but_too_far, longer}) == longer);
  // Long garbage is never a typo of a short key, and costs no full matrix.
  CHECK(mtlab::closest_match(std::string(100000, 'x'), {"batch_size", "xx"}).empty());
}
