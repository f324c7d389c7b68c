#include "kernels/cpu/quantize.h"

#include <cmath>
#include <string>

#include "nuri/error.hpp"

namespace nuri::kernels {

namespace {

// Round half to even without depending on the floating-point rounding mode.
float round_half_even(float v) {
  // v - trunc(v) is exact, so a tie is detected exactly; a tie goes to the even neighbour.
  if (std::fabs(v - std::trunc(v)) == 0.5f) return 2.0f * std::round(v * 0.5f);
  return std::round(v);
}

void check_extents(int64_t outer, int64_t channels, int64_t inner, const char* what) {
  if (outer < 0 || channels < 0 || inner < 0) throw Error(std::string(what) + ": negative extent");
}

}  // namespace

// NaN inputs (e.g. 0/0 with a zero scale) quantize to zero_point; +-Inf saturate.
void quantize_linear(const float* x, const float* scale, const int8_t* zero_point, int8_t* y,
                     int64_t outer, int64_t channels, int64_t inner) {
  check_extents(outer, channels, inner, "quantize_linear");
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float s = scale[c];
      const float zp = zero_point != nullptr ? zero_point[c] : 0.0f;
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const float q = x[base + i] / s;
        float r = (std::isnan(q) ? 0.0f : round_half_even(q)) + zp;
        // Clamp in float before converting: out-of-range float -> int is UB.
        r = r < -128.0f ? -128.0f : (r > 127.0f ? 127.0f : r);
        y[base + i] = static_cast<int8_t>(r);
      }
    }
  }
}

void dequantize_linear(const int8_t* x, const float* scale, const int8_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner) {
  check_extents(outer, channels, inner, "dequantize_linear");
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float s = scale[c];
      const int zp = zero_point != nullptr ? zero_point[c] : 0;
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        y[base + i] = static_cast<float>(static_cast<int>(x[base + i]) - zp) * s;
    }
  }
}

}  // namespace nuri::kernels
