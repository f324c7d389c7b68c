#include "kernels/cpu/quantize.h"

#include <cmath>
#include <limits>
#include <string>

#include "nuri/error.hpp"

namespace nuri::kernels {

namespace {

void check_extents(int64_t outer, int64_t channels, int64_t inner, const char* what) {
  if (outer < 0 || channels < 0 || inner < 0) throw Error(std::string(what) + ": negative extent");
}

// NaN inputs (e.g. 0/0 with a zero scale) quantize to zero_point; +-Inf saturate.
template <typename Q>
void quantize(const float* x, const float* scale, const Q* zero_point, Q* y, int64_t outer,
              int64_t channels, int64_t inner) {
  check_extents(outer, channels, inner, "quantize_linear");
  constexpr auto lo = static_cast<float>(std::numeric_limits<Q>::min());
  constexpr auto hi = static_cast<float>(std::numeric_limits<Q>::max());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float s = scale[c];
      const float zp = zero_point != nullptr ? static_cast<float>(zero_point[c]) : 0.0f;
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const float q = x[base + i] / s;
        // Clamp in float before converting: out-of-range float -> int is UB.
        y[base + i] = static_cast<Q>(saturate(round_half_even(q) + zp, lo, hi));
      }
    }
  }
}

template <typename Q>
void dequantize(const Q* x, const float* scale, const Q* zero_point, float* y, int64_t outer,
                int64_t channels, int64_t inner) {
  check_extents(outer, channels, inner, "dequantize_linear");
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float s = scale[c];
      const int64_t zp = zero_point != nullptr ? zero_point[c] : 0;
      const int64_t base = (o * channels + c) * inner;
      // int64 difference: an int32 x minus an int32 zero point may overflow int32.
      for (int64_t i = 0; i < inner; ++i)
        y[base + i] = static_cast<float>(static_cast<int64_t>(x[base + i]) - zp) * s;
    }
  }
}

}  // namespace

// Round half to even without depending on the floating-point rounding mode.
float round_half_even(float v) {
  if (std::isnan(v)) return 0.0f;
  // v - trunc(v) is exact, so a tie is detected exactly; a tie goes to the even neighbour.
  if (std::fabs(v - std::trunc(v)) == 0.5f) return 2.0f * std::round(v * 0.5f);
  return std::round(v);
}

float saturate(float v, float lo, float hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

void quantize_linear(const float* x, const float* scale, const int8_t* zero_point, int8_t* y,
                     int64_t outer, int64_t channels, int64_t inner) {
  quantize(x, scale, zero_point, y, outer, channels, inner);
}
void quantize_linear(const float* x, const float* scale, const uint8_t* zero_point, uint8_t* y,
                     int64_t outer, int64_t channels, int64_t inner) {
  quantize(x, scale, zero_point, y, outer, channels, inner);
}
void dequantize_linear(const int8_t* x, const float* scale, const int8_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner) {
  dequantize(x, scale, zero_point, y, outer, channels, inner);
}
void dequantize_linear(const uint8_t* x, const float* scale, const uint8_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner) {
  dequantize(x, scale, zero_point, y, outer, channels, inner);
}
void dequantize_linear(const int32_t* x, const float* scale, const int32_t* zero_point, float* y,
                       int64_t outer, int64_t channels, int64_t inner) {
  dequantize(x, scale, zero_point, y, outer, channels, inner);
}

}  // namespace nuri::kernels
