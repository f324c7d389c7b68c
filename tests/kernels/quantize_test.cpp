// int8 / uint8 QuantizeLinear and DequantizeLinear (also int32) against hand-computed values.
#include "kernels/cpu/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace nuri::kernels {
namespace {

const float kInf = std::numeric_limits<float>::infinity();

std::vector<int8_t> quant(const std::vector<float>& x, float scale, int8_t zp) {
  std::vector<int8_t> y(x.size());
  quantize_linear(x.data(), &scale, &zp, y.data(), 1, 1, static_cast<int64_t>(x.size()));
  return y;
}

TEST(Quantize, TiesRoundHalfToEven) {
  // x / 0.5: 2, -2, 2.5 -> 2, 3.5 -> 4, -2.5 -> -2, -3.5 -> -4, 1.48 -> 1, 0.5 -> 0, 1.5 -> 2.
  const std::vector<float> x = {1.0f, -1.0f, 1.25f, 1.75f, -1.25f, -1.75f, 0.74f, 0.25f, 0.75f};
  EXPECT_EQ(quant(x, 0.5f, 0), (std::vector<int8_t>{2, -2, 2, 4, -2, -4, 1, 0, 2}));
  // The zero point is added after rounding: 0.5 -> 0 + 3, 1.5 -> 2 + 3.
  EXPECT_EQ(quant({0.5f, 1.5f, -0.5f}, 1.0f, 3), (std::vector<int8_t>{3, 5, 3}));
}

TEST(Quantize, Saturates) {
  const std::vector<float> x = {200.0f,  -200.0f, 117.0f, 118.0f, -138.0f,
                                -139.0f, kInf,    -kInf,  1e30f};
  EXPECT_EQ(quant(x, 1.0f, 10),
            (std::vector<int8_t>{127, -128, 127, 127, -128, -128, 127, -128, 127}));
  // NaN has no nearest integer; it maps to the zero point (documented choice).
  EXPECT_EQ(quant({std::numeric_limits<float>::quiet_NaN()}, 1.0f, 10), std::vector<int8_t>{10});
}

TEST(Quantize, NullZeroPointIsZero) {
  const std::vector<float> x = {0.3f, -0.3f, 2.0f};
  const float scale = 0.1f;
  std::vector<int8_t> y(3);
  quantize_linear(x.data(), &scale, nullptr, y.data(), 1, 1, 3);
  EXPECT_EQ(y, (std::vector<int8_t>{3, -3, 20}));
  std::vector<float> back(3);
  dequantize_linear(y.data(), &scale, nullptr, back.data(), 1, 1, 3);
  EXPECT_FLOAT_EQ(back[0], 0.3f);
  EXPECT_FLOAT_EQ(back[2], 2.0f);
}

TEST(Quantize, PerChannel) {
  // x viewed as [outer 2, channels 3, inner 2].
  const std::vector<float> x = {1, 2, 1, 2, 1, 2, -1, -2, -1, -2, -1, -2};
  const std::vector<float> scale = {1.0f, 0.5f, 0.25f};
  const std::vector<int8_t> zp = {0, -1, 2};
  std::vector<int8_t> y(12);
  quantize_linear(x.data(), scale.data(), zp.data(), y.data(), 2, 3, 2);
  // channel 0: x; channel 1: 2x - 1; channel 2: 4x + 2.
  EXPECT_EQ(y, (std::vector<int8_t>{1, 2, 1, 3, 6, 10, -1, -2, -3, -5, -2, -6}));
  std::vector<float> back(12);
  dequantize_linear(y.data(), scale.data(), zp.data(), back.data(), 2, 3, 2);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(back[i], x[i]) << i;  // all exact here
}

TEST(Dequantize, HandValues) {
  const std::vector<int8_t> x = {-128, 0, 127, -1};
  const float scale = 0.5f;
  const int8_t zp = -1;
  std::vector<float> y(4);
  dequantize_linear(x.data(), &scale, &zp, y.data(), 1, 1, 4);
  EXPECT_EQ(y, (std::vector<float>{-63.5f, 0.5f, 64.0f, 0.0f}));
}

TEST(Dequantize, QuantizeInvertsDequantizeOnAllCodes) {
  std::vector<int8_t> codes(256);
  for (int i = 0; i < 256; ++i) codes[i] = static_cast<int8_t>(i - 128);
  const float scale = 0.1f;
  const int8_t zp = 5;
  std::vector<float> real(256);
  dequantize_linear(codes.data(), &scale, &zp, real.data(), 1, 1, 256);
  for (int i = 0; i < 256; ++i)
    EXPECT_NEAR(real[i], (i - 128 - 5) * 0.1, 1e-5) << i;  // (q - zp) * scale
  std::vector<int8_t> again(256);
  quantize_linear(real.data(), &scale, &zp, again.data(), 1, 1, 256);
  EXPECT_EQ(again, codes);
}

std::vector<uint8_t> quant_u8(const std::vector<float>& x, float scale, uint8_t zp) {
  std::vector<uint8_t> y(x.size());
  quantize_linear(x.data(), &scale, &zp, y.data(), 1, 1, static_cast<int64_t>(x.size()));
  return y;
}

TEST(QuantizeU8, TiesRoundHalfToEvenThenZeroPoint) {
  // x / 0.5 = 0.5, 1.5, 2.5, -0.5, -1.5 -> 0, 2, 2, 0, -2 (ties to even), then + 128.
  const std::vector<float> x = {0.25f, 0.75f, 1.25f, -0.25f, -0.75f};
  EXPECT_EQ(quant_u8(x, 0.5f, 128), (std::vector<uint8_t>{128, 130, 130, 128, 126}));
}

TEST(QuantizeU8, SaturatesToZeroAnd255) {
  const std::vector<float> x = {-10.0f, -3.0f, -2.6f, 250.0f, 251.0f, 1e30f, -kInf, kInf};
  // zero point 3: -10 + 3 and -3 + 3 clamp to 0; round(-2.6) + 3 = 0; 1e30 and Inf give 255.
  EXPECT_EQ(quant_u8(x, 1.0f, 3), (std::vector<uint8_t>{0, 0, 0, 253, 254, 255, 0, 255}));
  EXPECT_EQ(quant_u8({std::numeric_limits<float>::quiet_NaN()}, 1.0f, 7), std::vector<uint8_t>{7});
}

TEST(QuantizeU8, PerChannelRoundTripsEveryCode) {
  // x viewed as [outer 1, channels 2, inner 256]: each channel holds all 256 codes.
  const std::vector<float> scale = {0.02f, 0.5f};
  const std::vector<uint8_t> zp = {128, 3};
  std::vector<uint8_t> codes(512);
  for (int i = 0; i < 512; ++i) codes[i] = static_cast<uint8_t>(i % 256);
  std::vector<float> real(512);
  dequantize_linear(codes.data(), scale.data(), zp.data(), real.data(), 1, 2, 256);
  for (int i = 0; i < 512; ++i)
    EXPECT_NEAR(real[i], (i % 256 - zp[i / 256]) * scale[i / 256], 1e-5) << i;
  std::vector<uint8_t> again(512);
  quantize_linear(real.data(), scale.data(), zp.data(), again.data(), 1, 2, 256);
  EXPECT_EQ(again, codes);
}

TEST(DequantizeI32, BiasWithZeroPointWidens) {
  // int32 minus an int32 zero point must not overflow: computed in int64.
  const std::vector<int32_t> x = {INT32_MAX, INT32_MIN, 7};
  const float scale = 0.5f;
  const int32_t zp = -2;
  std::vector<float> y(3);
  dequantize_linear(x.data(), &scale, &zp, y.data(), 1, 1, 3);
  EXPECT_FLOAT_EQ(y[0], (2147483647.0f + 2.0f) * 0.5f);
  EXPECT_FLOAT_EQ(y[1], (-2147483648.0f + 2.0f) * 0.5f);
  EXPECT_EQ(y[2], 4.5f);
}

}  // namespace
}  // namespace nuri::kernels
