#pragma once
// Sobol' low-discrepancy points in [0, 1)^d (Sobol' 1967) in gray-code order
// (Antonov & Saleev 1979), with Joe & Kuo's direction numbers (new-joe-kuo-6.21201,
// SIAM J. Sci. Comput. 30, 2008) for dimensions 2 to kSobolMaxDimensions; the first
// dimension is van der Corput's. Unscrambled, the points are those of Joe & Kuo's
// program and of scipy.stats.qmc.Sobol(scramble=False): (0, 0), (0.5, 0.5),
// (0.75, 0.25), (0.25, 0.75), …
//
// Scrambled (a seed given): a linear matrix scramble and a digital shift (Matoušek
// 1998), drawn from SplitMix64(seed) — the scramble scipy's and Optuna's QMC samplers
// use. Both keep the net's balance: in each dimension, each of 2^k equal bins holds
// exactly one of the first 2^k points; and no point is the all-zero corner by design.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mtlab::spec {

inline constexpr std::size_t kSobolMaxDimensions = 32;

class SobolSequence {
 public:
  // Throws mtlab::Error for 0 or more than kSobolMaxDimensions dimensions.
  explicit SobolSequence(std::size_t dimensions);
  SobolSequence(std::size_t dimensions, std::uint64_t scramble_seed);

  // The next point (32 bits per coordinate); the first unscrambled point is all zeros.
  // Throws mtlab::Error past 2^32 points.
  std::vector<double> next();
  std::size_t dimensions() const { return directions_.size(); }

 private:
  std::vector<std::array<std::uint32_t, 32>> directions_;  // per dimension, bit 31 = 1/2
  std::vector<std::uint32_t> point_;                        // the point next() returns
  std::uint64_t index_ = 0;                                 // its position in the sequence
};

}  // namespace mtlab::spec
