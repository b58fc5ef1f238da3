#pragma once
// A small portable PRNG (SplitMix64, Steele, Lea & Flood 2014) so generated data,
// seeded splits and sampled searches are the same on every platform and standard
// library (std::uniform_*_distribution is implementation-defined). Its stream is
// specified here, bit for bit: state += 0x9E3779B97F4A7C15, then the mix below.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mtlab {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. The modulo bias is below 2^-40 for our sizes.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  // Uniform in [0, 1): the top 53 bits of next(), times 2^-53.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }
  template <class T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  std::uint64_t state_;
};

}  // namespace mtlab
