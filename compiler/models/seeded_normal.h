// Counter-based normal numbers for built-in model weights: entry i of a stream is a pure
// function of (key, i), so a tensor fills in parallel chunks and gets the same numbers for every
// thread count, and the same on every platform (no std:: distributions, which promise neither).
#pragma once

#include <cstdint>

namespace nuri::ir {

// The splitmix64 finalizer: a 64-bit mixing function (SeededRandom's output step).
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Standard normal entry `index` of the stream `key` (Marsaglia and Tsang's ziggurat, 256 layers:
// one 64-bit hash and one table look-up for about 99% of entries).
double normal_at(uint64_t key, uint64_t index);

// out[i] = normal_at(key, i) * stddev for i in [0, n), on up to `threads` threads (0: one per
// hardware thread).
void fill_normal(float* out, int64_t n, uint64_t key, double stddev, int threads = 0);

}  // namespace nuri::ir
