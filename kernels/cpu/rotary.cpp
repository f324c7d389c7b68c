#include "kernels/cpu/rotary.h"

#include <algorithm>
#include <string>

#include "nuri/error.hpp"

namespace nuri::kernels {

bool rotary_embedding(const RotaryDims& dims, const float* x, const float* cos, const float* sin,
                      const int64_t* position_ids, int64_t max_pos, int64_t cos_batch_stride,
                      float* y) {
  const int64_t D = dims.head_dim;
  const int64_t rot = dims.rotary_dim == 0 ? D : dims.rotary_dim;
  if (dims.batch < 0 || dims.heads < 0 || dims.seq < 0 || D < 0)
    throw Error("rotary_embedding: negative dimension");
  if (rot < 0 || rot % 2 != 0 || rot > D)
    throw Error("rotary_embedding: rotary_dim " + std::to_string(rot) +
                " must be even and at most head_dim " + std::to_string(D));
  const int64_t half = rot / 2;
  // Check every position first, so a failure writes nothing.
  if (position_ids != nullptr)
    for (int64_t p = 0; p < dims.batch * dims.seq; ++p)
      if (position_ids[p] < 0 || position_ids[p] >= max_pos) return false;

  for (int64_t b = 0; b < dims.batch; ++b) {
    for (int64_t h = 0; h < dims.heads; ++h) {
      for (int64_t s = 0; s < dims.seq; ++s) {
        const int64_t row = position_ids != nullptr ? position_ids[b * dims.seq + s] * half
                                                    : b * cos_batch_stride + s * half;
        const float* c = cos + row;
        const float* sn = sin + row;
        const int64_t base = ((b * dims.heads + h) * dims.seq + s) * D;
        const float* xi = x + base;
        float* yi = y + base;
        // Pair i is (2i, 2i+1) interleaved or (i, i + half); both read before either write,
        // so y may alias x.
        const int64_t stride = dims.interleaved ? 2 : 1;
        const int64_t second = dims.interleaved ? 1 : half;
        for (int64_t i = 0; i < half; ++i) {
          const int64_t i1 = i * stride, i2 = i * stride + second;
          const float x1 = xi[i1], x2 = xi[i2];
          yi[i1] = x1 * c[i] - x2 * sn[i];
          yi[i2] = x2 * c[i] + x1 * sn[i];
        }
        if (yi != xi) std::copy(xi + rot, xi + D, yi + rot);  // unrotated tail passes through
      }
    }
  }
  return true;
}

}  // namespace nuri::kernels
