#include "mtlab/spec/sobol.h"

#include <fmt/format.h>

#include <bit>
#include <initializer_list>

#include "mtlab/core/error.h"
#include "mtlab/core/rng.h"

namespace mtlab::spec {
namespace {

// One row of new-joe-kuo-6.21201: the degree s of the primitive polynomial, its
// coefficients a (interior bits) and the initial direction integers m_1..m_s.
struct JoeKuoRow {
  std::uint32_t s, a;
  std::initializer_list<std::uint32_t> m;
};

// Dimensions 2 to 32, as published (d = row + 2).
const JoeKuoRow kJoeKuo[] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
    {7, 7, {1, 1, 3, 13, 7, 35, 63}},
    {7, 8, {1, 3, 5, 9, 1, 25, 53}},
    {7, 14, {1, 3, 1, 13, 9, 35, 107}},
    {7, 19, {1, 3, 1, 5, 27, 61, 31}},
    {7, 21, {1, 1, 5, 11, 19, 41, 61}},
    {7, 28, {1, 3, 5, 3, 3, 13, 69}},
    {7, 31, {1, 1, 7, 13, 1, 19, 1}},
    {7, 32, {1, 3, 7, 5, 13, 19, 59}},
    {7, 37, {1, 1, 3, 9, 25, 29, 41}},
    {7, 41, {1, 3, 5, 13, 23, 1, 55}},
    {7, 42, {1, 3, 7, 3, 13, 59, 17}},
};
static_assert(std::size(kJoeKuo) + 1 == kSobolMaxDimensions);

using Directions = std::array<std::uint32_t, 32>;

// V_k = m_k · 2^(32−k) for k ≤ s, then Bratley & Fox's recurrence (Joe & Kuo's sobol.cc).
Directions directions(std::size_t dimension) {
  Directions v{};
  if (dimension == 0) {
    for (std::uint32_t k = 0; k < 32; ++k) v[k] = 1u << (31 - k);
    return v;
  }
  const JoeKuoRow& row = kJoeKuo[dimension - 1];
  std::uint32_t k = 0;
  for (const std::uint32_t m : row.m) {
    v[k] = m << (31 - k);
    ++k;
  }
  for (; k < 32; ++k) {
    v[k] = v[k - row.s] ^ (v[k - row.s] >> row.s);
    for (std::uint32_t j = 1; j < row.s; ++j) {
      if ((row.a >> (row.s - 1 - j)) & 1u) v[k] ^= v[k - j];
    }
  }
  return v;
}

// C' = L·C: output digit r (bit 31 − r) is the parity of row r of a random lower
// triangular matrix with a unit diagonal against the input's digits 0..r.
Directions scrambled(const Directions& v, SplitMix64& rng) {
  std::array<std::uint32_t, 32> rows{};
  for (std::uint32_t r = 0; r < 32; ++r) {
    const std::uint32_t diagonal = 1u << (31 - r);
    const std::uint32_t above = ~((diagonal << 1) - 1);  // the more significant digits (0 for r = 0)
    rows[r] = diagonal | (static_cast<std::uint32_t>(rng.next() >> 32) & above);
  }
  Directions out{};
  for (std::size_t k = 0; k < 32; ++k) {
    for (std::uint32_t r = 0; r < 32; ++r) {
      if (std::popcount(rows[r] & v[k]) & 1) out[k] |= 1u << (31 - r);
    }
  }
  return out;
}

}  // namespace

SobolSequence::SobolSequence(std::size_t dimensions) {
  if (dimensions == 0 || dimensions > kSobolMaxDimensions) {
    throw Error(fmt::format("a Sobol' sequence of {} dimensions: expected 1 to {}", dimensions, kSobolMaxDimensions));
  }
  for (std::size_t d = 0; d < dimensions; ++d) directions_.push_back(directions(d));
  point_.assign(dimensions, 0);
}

SobolSequence::SobolSequence(std::size_t dimensions, std::uint64_t scramble_seed) : SobolSequence(dimensions) {
  SplitMix64 rng(scramble_seed);
  for (std::size_t d = 0; d < directions_.size(); ++d) {
    directions_[d] = scrambled(directions_[d], rng);
    point_[d] = static_cast<std::uint32_t>(rng.next() >> 32);  // the digital shift: the first point
  }
}

std::vector<double> SobolSequence::next() {
  if (index_ >> 32) throw Error("a Sobol' sequence of 32-bit points ends after 2^32 points");
  std::vector<double> out(point_.size());
  for (std::size_t d = 0; d < point_.size(); ++d) out[d] = static_cast<double>(point_[d]) * 0x1.0p-32;
  // Gray-code order: point n+1 differs from point n by the direction of n's lowest zero bit.
  const auto bit = static_cast<std::size_t>(std::countr_one(index_));
  if (bit < 32) {
    for (std::size_t d = 0; d < point_.size(); ++d) point_[d] ^= directions_[d][bit];
  }
  ++index_;
  return out;
}

}  // namespace mtlab::spec
