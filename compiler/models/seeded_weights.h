// Counter-based random numbers for built-in model weights: entry i of a stream is a pure
// function of (key, i), so a tensor fills in parallel chunks and gets the same numbers for every
// thread count, and the same on every platform (no std:: distributions, which promise neither).
//
// The distribution is uniform on [-sqrt(3), sqrt(3)): mean 0 and variance 1 like N(0, 1), so a
// weight scaled by stddev has the variance its initializer asks for. Uniform rather than normal
// because it is one 32-bit hash, a conversion and a multiply per entry, which vectorizes: GPT-2
// small's 124M weights fill several times faster than with a ziggurat normal.
#pragma once

#include <cstdint>

namespace nuri::ir {

// A 32-bit mixing function (a bijection with low bias: Wellons' "lowbias32").
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// Entry `index` of the stream `key`: uniform on [-sqrt(3), sqrt(3)), times `stddev`, as a float.
float weight_at(uint64_t key, uint64_t index, double stddev = 1.0);

// out[i] = weight_at(key, i, stddev) for i in [0, n), on up to `threads` threads (0: one per
// hardware thread).
void fill_weights(float* out, int64_t n, uint64_t key, double stddev, int threads = 0);

}  // namespace nuri::ir
