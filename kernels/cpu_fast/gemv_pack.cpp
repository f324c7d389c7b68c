// Packing of constant weights for the panel GEMV (fast_gemv.h): once per program, scalar.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/quantize.h"
#include "kernels/cpu_fast/fast_gemv.h"

namespace nuri::cpu::fast {

void pack_gemv_f32(const float* w, int64_t k, int64_t n, int64_t k_stride, int64_t n_stride,
                   float alpha, float* packed) {
  for (int64_t p = 0; p < gemv_panels(n); ++p)
    for (int64_t i = 0; i < k; ++i)
      for (int64_t c = 0; c < kGemvPanel; ++c) {
        const int64_t j = p * kGemvPanel + c;
        *packed++ = j < n ? alpha * w[i * k_stride + j * n_stride] : 0.0f;
      }
}

void pack_gemv_s8(const float* w, int64_t k, int64_t n, int64_t k_stride, int64_t n_stride,
                  float alpha, int8_t* packed, float* scales) {
  for (int64_t j = 0; j < n; ++j) {
    float m = 0.0f;
    for (int64_t i = 0; i < k; ++i)
      m = std::max(m, std::fabs(alpha * w[i * k_stride + j * n_stride]));
    scales[j] = m > 0.0f ? m / 127.0f : 1.0f;
  }
  for (int64_t p = 0; p < gemv_panels(n); ++p)
    for (int64_t i = 0; i < k; ++i)
      for (int64_t c = 0; c < kGemvPanel; ++c) {
        const int64_t j = p * kGemvPanel + c;
        const float q =
            j < n ? kernels::round_half_even(alpha * w[i * k_stride + j * n_stride] / scales[j])
                  : 0.0f;
        *packed++ = static_cast<int8_t>(kernels::saturate(q, -127.0f, 127.0f));
      }
}

}  // namespace nuri::cpu::fast
