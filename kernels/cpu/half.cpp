#include "kernels/cpu/half.h"

#include <bit>

namespace nuri::kernels {

namespace {

// Rounds `value >> shift` to nearest, ties to even (shift in [1, 31]).
uint32_t shift_round_even(uint32_t value, uint32_t shift) {
  const uint32_t kept = value >> shift;
  const uint32_t rest = value & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1u);
  return kept + ((rest > half || (rest == half && (kept & 1u))) ? 1u : 0u);
}

}  // namespace

uint16_t f32_to_f16(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t exp = (bits >> 23) & 0xffu;
  const uint32_t mant = bits & 0x7fffffu;
  if (exp == 0xffu) {
    // NaN keeps its top payload bits and is forced quiet; Inf stays Inf.
    if (mant != 0) return static_cast<uint16_t>(sign | 0x7e00u | (mant >> 13));
    return static_cast<uint16_t>(sign | 0x7c00u);
  }
  const int e = static_cast<int>(exp) - 127;
  if (e > 15) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e >= -14) {
    // Normal: a rounding carry may run into the exponent, up to Inf (0x7c00), as it should.
    const uint32_t biased = (static_cast<uint32_t>(e + 15) << 23) | mant;
    return static_cast<uint16_t>(sign | shift_round_even(biased, 13));
  }
  // Subnormal result: value = m * 2^(e-23) = (m >> (-e-1)) units of 2^-24.
  // f32 zeros and subnormals (exp == 0) are far below 2^-25 and round to zero.
  if (exp == 0) return sign;
  const uint32_t shift = static_cast<uint32_t>(-e - 1);  // >= 14
  if (shift > 25) return sign;
  return static_cast<uint16_t>(sign | shift_round_even(mant | 0x800000u, shift));
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1fu) {
    const uint32_t payload = mant != 0 ? (0x400000u | (mant << 13)) : 0u;
    return std::bit_cast<float>(sign | 0x7f800000u | payload);
  }
  if (exp == 0) {
    if (mant == 0) return std::bit_cast<float>(sign);
    // Subnormal mant * 2^-24: normalize so the leading one becomes the implicit bit.
    int e = -14;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    mant &= 0x3ffu;
    return std::bit_cast<float>(sign | (static_cast<uint32_t>(e + 127) << 23) | (mant << 13));
  }
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t f32_to_bf16(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu) != 0)
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  // Adding 0x7fff plus the kept LSB rounds to nearest even; a carry reaches Inf correctly.
  const uint32_t rounded = bits + 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(rounded >> 16);
}

float bf16_to_f32(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu) != 0) bits |= 0x400000u;
  return std::bit_cast<float>(bits);
}

void f32_to_f16(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

void f16_to_f32(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

void f32_to_bf16(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

void bf16_to_f32(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}

void round_to_f16(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = f16_to_f32(f32_to_f16(x[i]));
}

void round_to_bf16(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = bf16_to_f32(f32_to_bf16(x[i]));
}

}  // namespace nuri::kernels
