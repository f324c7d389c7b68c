// f16 / bf16 conversions: hand-derived bit patterns, exhaustive round trips, and a second
// rounding formulation (scale to an integer significand, nearbyint in double).
#include "kernels/cpu/half.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfenv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace nuri::kernels {
namespace {

float f(double d) {
  return static_cast<float>(d);
}
float bits_f(uint32_t b) {
  return std::bit_cast<float>(b);
}
const float kInf = std::numeric_limits<float>::infinity();

// Independent reference: round x to `mant_bits` fraction bits with exponent floor `min_exp`
// (subnormal spacing 2^(min_exp - mant_bits)) in double, nearest-even via nearbyint.
double naive_round(double x, int mant_bits, int min_exp, double max_finite) {
  if (x == 0) return x;
  int ex = 0;
  std::frexp(x, &ex);  // |x| = m * 2^ex, m in [0.5, 1)
  int e = std::max(ex - 1, min_exp);
  const double q = std::nearbyint(std::ldexp(x, mant_bits - e));
  const double r = std::ldexp(q, e - mant_bits);
  if (std::fabs(r) > max_finite) return std::copysign(INFINITY, x);
  return r;
}

TEST(F16, HandValues) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xC000);
  EXPECT_EQ(f32_to_f16(0.5f), 0x3800);
  EXPECT_EQ(f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(f(std::ldexp(1.0, -14))), 0x0400);     // smallest normal
  EXPECT_EQ(f32_to_f16(f(std::ldexp(1023.0, -24))), 0x03FF);  // largest subnormal
}

TEST(F16, OverflowBoundary) {
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7BFF);  // below the 65520 midpoint
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7C00);  // midpoint, 0x7BFF odd -> rounds up to Inf
  EXPECT_EQ(f32_to_f16(-65520.0f), 0xFC00);
  EXPECT_EQ(f32_to_f16(1.0e6f), 0x7C00);
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::max()), 0x7C00);
  EXPECT_EQ(f32_to_f16(kInf), 0x7C00);
  EXPECT_EQ(f32_to_f16(-kInf), 0xFC00);
}

TEST(F16, TiesToEven) {
  // 1 + 2^-11 lies midway between 1 (0x3C00, even) and 1 + 2^-10 (0x3C01): down.
  EXPECT_EQ(f32_to_f16(f(1.0 + std::ldexp(1.0, -11))), 0x3C00);
  // 1 + 3*2^-11 lies midway between 0x3C01 (odd) and 0x3C02: up.
  EXPECT_EQ(f32_to_f16(f(1.0 + 3 * std::ldexp(1.0, -11))), 0x3C02);
  // Just above a midpoint goes up.
  EXPECT_EQ(f32_to_f16(f(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -20))), 0x3C01);
  EXPECT_EQ(f32_to_f16(f(-(1.0 + std::ldexp(1.0, -11)))), 0xBC00);
}

TEST(F16, Subnormals) {
  EXPECT_EQ(f32_to_f16(f(std::ldexp(1.0, -24))), 0x0001);   // smallest subnormal
  EXPECT_EQ(f32_to_f16(f(std::ldexp(1.0, -25))), 0x0000);   // tie between 0 and 1 unit -> 0
  EXPECT_EQ(f32_to_f16(f(-std::ldexp(1.0, -25))), 0x8000);  // keeps the sign
  EXPECT_EQ(f32_to_f16(std::nextafter(f(std::ldexp(1.0, -25)), 1.0f)), 0x0001);
  EXPECT_EQ(f32_to_f16(f(3 * std::ldexp(1.0, -25))), 0x0002);  // 1.5 units -> 2
  EXPECT_EQ(f32_to_f16(f(5 * std::ldexp(1.0, -25))), 0x0002);  // 2.5 units -> 2
  EXPECT_EQ(f32_to_f16(f(7 * std::ldexp(1.0, -25))), 0x0004);  // 3.5 units -> 4
  EXPECT_EQ(f32_to_f16(f(std::ldexp(1.0, -30))), 0x0000);
  EXPECT_EQ(f32_to_f16(bits_f(0x00000001u)), 0x0000);  // f32 subnormal
  // 1023.5 units rounds to the even 1024 units = smallest normal 0x0400.
  EXPECT_EQ(f32_to_f16(f(std::ldexp(2047.0, -25))), 0x0400);
  EXPECT_EQ(f16_to_f32(0x0001), f(std::ldexp(1.0, -24)));
  EXPECT_EQ(f16_to_f32(0x03FF), f(std::ldexp(1023.0, -24)));
  EXPECT_EQ(f16_to_f32(0x8001), f(-std::ldexp(1.0, -24)));
}

TEST(F16, SpecialsToF32) {
  EXPECT_EQ(f16_to_f32(0x7BFF), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x7C00), kInf);
  EXPECT_EQ(f16_to_f32(0xFC00), -kInf);
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7E00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7C01)));  // signalling in, NaN out
  EXPECT_TRUE(std::signbit(f16_to_f32(0xFE00)));
  const float nz = f16_to_f32(0x8000);
  EXPECT_EQ(nz, 0.0f);
  EXPECT_TRUE(std::signbit(nz));
  EXPECT_EQ(f16_to_f32(0x3555), f(std::ldexp(1024.0 + 0x155, -12)));  // ~1/3
}

TEST(F16, NaNStaysQuietNaNWithSign) {
  const uint16_t pos = f32_to_f16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(pos & 0x7C00, 0x7C00);
  EXPECT_NE(pos & 0x03FF, 0);
  EXPECT_NE(pos & 0x0200, 0);  // quiet bit
  EXPECT_EQ(pos & 0x8000, 0);
  const uint16_t neg = f32_to_f16(-std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(neg & 0x8000, 0x8000);
  EXPECT_NE(neg & 0x0200, 0);
  // Signalling NaN whose payload sits only in low bits must not collapse to Inf.
  const uint16_t sig = f32_to_f16(bits_f(0x7F800001u));
  EXPECT_EQ(sig, 0x7E00);
}

TEST(F16, ExhaustiveRoundTripAndValue) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const auto hb = static_cast<uint16_t>(h);
    const float x = f16_to_f32(hb);
    const uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (exp == 0x1F && mant != 0) {
      ASSERT_TRUE(std::isnan(x)) << h;
      ASSERT_EQ(std::signbit(x), (h & 0x8000) != 0) << h;
      ASSERT_EQ(f32_to_f16(x), hb | 0x0200) << h;  // payload kept, made quiet
      continue;
    }
    // Value from the IEEE definition, independently of the bit manipulation.
    const double expect = exp == 0x1F ? sign * INFINITY
                          : exp == 0  ? sign * std::ldexp(mant, -24)
                                     : sign * std::ldexp(1024.0 + mant, static_cast<int>(exp) - 25);
    ASSERT_EQ(static_cast<double>(x), expect) << h;
    ASSERT_EQ(std::signbit(x), (h & 0x8000) != 0) << h;
    ASSERT_EQ(f32_to_f16(x), hb) << h;
  }
}

TEST(F16, RandomAgainstNaiveRounding) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  std::mt19937 rng(1234);
  std::uniform_real_distribution<double> mant(-2.0, 2.0);
  std::uniform_int_distribution<int> ex(-28, 17);
  for (int i = 0; i < 200000; ++i) {
    const float x = f(std::ldexp(mant(rng), ex(rng)));
    const double expect = naive_round(x, 10, -14, 65504.0);
    ASSERT_EQ(static_cast<double>(f16_to_f32(f32_to_f16(x))), expect) << x;
  }
}

TEST(BF16, HandValuesAndTies) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xC000);
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
  // 1 + 2^-8 is midway between 1 (0x3F80, even) and 1 + 2^-7: down.
  EXPECT_EQ(f32_to_bf16(f(1.0 + std::ldexp(1.0, -8))), 0x3F80);
  // 1 + 3*2^-8 is midway between 0x3F81 (odd) and 0x3F82: up.
  EXPECT_EQ(f32_to_bf16(f(1.0 + 3 * std::ldexp(1.0, -8))), 0x3F82);
  EXPECT_EQ(f32_to_bf16(f(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -20))), 0x3F81);
  EXPECT_EQ(bf16_to_f32(0x3F81), f(1.0 + std::ldexp(1.0, -7)));
}

TEST(BF16, OverflowInfAndSubnormals) {
  EXPECT_EQ(f32_to_bf16(bits_f(0x7F7F7FFFu)), 0x7F7F);  // below midpoint
  EXPECT_EQ(f32_to_bf16(bits_f(0x7F7F8000u)), 0x7F80);  // midpoint, odd -> up to Inf
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(f32_to_bf16(-kInf), 0xFF80);
  EXPECT_EQ(bf16_to_f32(0x7F80), kInf);
  // Subnormals are kept (no flush to zero) and round to even like normals.
  EXPECT_EQ(f32_to_bf16(bits_f(0x00012345u)), 0x0001);
  EXPECT_EQ(f32_to_bf16(bits_f(0x00018000u)), 0x0002);
  EXPECT_EQ(f32_to_bf16(bits_f(0x00008000u)), 0x0000);  // tie to even 0
  EXPECT_EQ(bf16_to_f32(0x0001), f(std::ldexp(1.0, -133)));
  EXPECT_EQ(bf16_to_f32(0x8001), f(-std::ldexp(1.0, -133)));
}

TEST(BF16, NaN) {
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()), 0x7FC0);
  EXPECT_EQ(f32_to_bf16(-std::numeric_limits<float>::quiet_NaN()), 0xFFC0);
  // NaN whose payload is only in the dropped low bits stays NaN (rounding would give Inf).
  EXPECT_EQ(f32_to_bf16(bits_f(0x7F800001u)), 0x7FC0);
  EXPECT_EQ(f32_to_bf16(bits_f(0x7FFFFFFFu)), 0x7FFF);
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7F81)));
}

TEST(BF16, ExhaustiveRoundTrip) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const auto bb = static_cast<uint16_t>(b);
    const float x = bf16_to_f32(bb);
    ASSERT_EQ(std::bit_cast<uint32_t>(x) >> 16, (std::isnan(x) ? (b | 0x40) : b)) << b;
    ASSERT_EQ(f32_to_bf16(x), std::isnan(x) ? (bb | 0x40) : bb) << b;
  }
}

TEST(BF16, RandomAgainstNaiveRounding) {
  std::mt19937 rng(99);
  std::uniform_real_distribution<double> mant(-2.0, 2.0);
  std::uniform_int_distribution<int> ex(-140, 128);
  const double bf16_max = std::ldexp(255.0, 120);  // (2 - 2^-7) * 2^127
  for (int i = 0; i < 200000; ++i) {
    const float x = f(std::ldexp(mant(rng), ex(rng)));
    if (std::isinf(x)) continue;
    const double expect = naive_round(x, 7, -126, bf16_max);
    ASSERT_EQ(static_cast<double>(bf16_to_f32(f32_to_bf16(x))), expect) << x;
  }
}

TEST(Half, BulkAndRoundTo) {
  const std::vector<float> src = {
      1.0f, f(1.0 + std::ldexp(1.0, -11)), 65520.0f, f(3 * std::ldexp(1.0, -25)), -0.0f, 3.14159f};
  std::vector<uint16_t> h(src.size()), b(src.size());
  std::vector<float> back_h(src.size()), back_b(src.size());
  f32_to_f16(src.data(), h.data(), src.size());
  f32_to_bf16(src.data(), b.data(), src.size());
  f16_to_f32(h.data(), back_h.data(), h.size());
  bf16_to_f32(b.data(), back_b.data(), b.size());
  std::vector<float> rh = src, rb = src;
  round_to_f16(rh.data(), rh.size());
  round_to_bf16(rb.data(), rb.size());
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_EQ(h[i], f32_to_f16(src[i]));
    EXPECT_EQ(b[i], f32_to_bf16(src[i]));
    EXPECT_EQ(back_h[i], f16_to_f32(h[i]));
    EXPECT_EQ(back_b[i], bf16_to_f32(b[i]));
    EXPECT_EQ(std::bit_cast<uint32_t>(rh[i]), std::bit_cast<uint32_t>(back_h[i]));
    EXPECT_EQ(std::bit_cast<uint32_t>(rb[i]), std::bit_cast<uint32_t>(back_b[i]));
  }
  EXPECT_EQ(rh[1], 1.0f);
  EXPECT_EQ(rh[2], kInf);
  EXPECT_EQ(rh[3], f(std::ldexp(1.0, -23)));
  EXPECT_EQ(rh[5], 3.140625f);  // 0x4248: 3 + 144/1024
  EXPECT_EQ(rb[5], 3.140625f);  // 0x4049: 2 * (1 + 73/128)
}

}  // namespace
}  // namespace nuri::kernels
