// A small, portable random source for built-in model weights and generated inputs: the same
// seed gives the same numbers on every platform and standard library (std:: distributions do
// not promise that).
#pragma once

#include <cmath>
#include <cstdint>

namespace nuri::ir {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}

  uint64_t next_u64() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int64_t integer(int64_t lo, int64_t hi_exclusive) {
    return lo + static_cast<int64_t>(next_u64() % static_cast<uint64_t>(hi_exclusive - lo));
  }
  // Standard normal by Box-Muller.
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t state_;
};

}  // namespace nuri::ir
