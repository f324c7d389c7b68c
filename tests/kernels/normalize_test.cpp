#include "kernels/cpu/normalize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(Softmax, HandValues) {
  const std::vector<float> x = {1, 2, 3};
  std::vector<float> y(3);
  softmax(x.data(), y.data(), 1, 3, 1);
  // e^k / (e + e^2 + e^3)
  EXPECT_NEAR(y[0], 0.0900305732, 1e-7);
  EXPECT_NEAR(y[1], 0.2447284711, 1e-7);
  EXPECT_NEAR(y[2], 0.6652409558, 1e-7);
}

TEST(Softmax, RowsSumToOneAndShiftInvariant) {
  const int64_t rows = 6, cols = 37;
  const auto x = random_values(static_cast<size_t>(rows * cols), 1, -8.0f, 8.0f);
  std::vector<float> shifted(x.size());
  for (size_t i = 0; i < x.size(); ++i) shifted[i] = x[i] + 50.0f;
  std::vector<float> y(x.size()), ys(x.size());
  softmax(x.data(), y.data(), rows, cols, 1);
  softmax(shifted.data(), ys.data(), rows, cols, 1);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) s += y[static_cast<size_t>(r * cols + c)];
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
  // x + 50 is rounded to float (spacing 2^-18 near 50), so each shifted logit moves by up to
  // 2^-19; an output moves by its own shift minus the weighted mean shift, at most 2 * 2^-19
  // (3.8e-6) relative, plus the final float rounding: 4e-6 relative covers it.
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(ys[i], y[i], 4e-6 * y[i]) << i;
}

TEST(Softmax, LargeInputsDoNotOverflow) {
  const std::vector<float> big = {1000, 1001, 1002};
  const std::vector<float> small = {0, 1, 2};
  std::vector<float> yb(3), ys(3);
  softmax(big.data(), yb.data(), 1, 3, 1);
  softmax(small.data(), ys.data(), 1, 3, 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isfinite(yb[static_cast<size_t>(i)]));
    EXPECT_FLOAT_EQ(yb[static_cast<size_t>(i)], ys[static_cast<size_t>(i)]);
  }
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> masked = {-inf, 0.0f, -inf, 0.0f};
  std::vector<float> ym(4);
  softmax(masked.data(), ym.data(), 1, 4, 1);
  EXPECT_EQ(ym, (std::vector<float>{0.0f, 0.5f, 0.0f, 0.5f}));
}

TEST(Softmax, InnerAxisMatchesNaiveColumns) {
  // Shape [outer=2, axis=5, inner=3], softmax over the middle axis.
  const int64_t outer = 2, len = 5, inner = 3;
  const auto x = random_values(static_cast<size_t>(outer * len * inner), 2, -4.0f, 4.0f);
  std::vector<float> y(x.size());
  softmax(x.data(), y.data(), outer, len, inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      // Direct formula without max subtraction (safe for |x| <= 4).
      double s = 0;
      for (int64_t a = 0; a < len; ++a)
        s += std::exp(double{x[static_cast<size_t>((o * len + a) * inner + i)]});
      for (int64_t a = 0; a < len; ++a) {
        const size_t idx = static_cast<size_t>((o * len + a) * inner + i);
        EXPECT_NEAR(y[idx], std::exp(double{x[idx]}) / s, 1e-7);
      }
    }
}

TEST(LayerNorm, HandValuesWithScaleAndBias) {
  // mean 2.5, variance 1.25, 1/sqrt(1.25) = 0.894427191.
  const std::vector<float> x = {1, 2, 3, 4};
  const std::vector<float> scale = {1, 2, 1, 1};
  const std::vector<float> bias = {0, 0, 1, 0};
  std::vector<float> y(4);
  layer_norm(x.data(), scale.data(), bias.data(), y.data(), 1, 4, 0.0f);
  EXPECT_NEAR(y[0], -1.3416407865, 1e-6);
  EXPECT_NEAR(y[1], -0.8944271910, 1e-6);
  EXPECT_NEAR(y[2], 1.4472135955, 1e-6);
  EXPECT_NEAR(y[3], 1.3416407865, 1e-6);
  // A large common offset must not change anything (two-pass variance in double).
  const std::vector<float> xo = {10001, 10002, 10003, 10004};
  std::vector<float> yo(4);
  layer_norm(xo.data(), scale.data(), bias.data(), yo.data(), 1, 4, 0.0f);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(yo[i], y[i], 1e-6);
  // eps enters under the root: var 1.25 + eps 0.75 = 2.
  layer_norm(x.data(), scale.data(), nullptr, y.data(), 1, 4, 0.75f);
  EXPECT_NEAR(y[0], -1.5 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(y[1], -1.0 / std::sqrt(2.0), 1e-6);
}

TEST(LayerNorm, RowsHaveMeanZeroVarianceOne) {
  const int64_t rows = 5, cols = 64;
  auto x = random_values(static_cast<size_t>(rows * cols), 3, -3.0f, 7.0f);
  const std::vector<float> ones(static_cast<size_t>(cols), 1.0f);
  std::vector<float> y(x.size());
  layer_norm(x.data(), ones.data(), nullptr, y.data(), rows, cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0, ss = 0;
    for (int64_t c = 0; c < cols; ++c) s += y[static_cast<size_t>(r * cols + c)];
    const double mean = s / cols;
    for (int64_t c = 0; c < cols; ++c) {
      const double d = y[static_cast<size_t>(r * cols + c)] - mean;
      ss += d * d;
    }
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(ss / cols, 1.0, 1e-6);
  }
}

TEST(RmsNorm, HandValues) {
  // mean(x^2) = 30/4 = 7.5, rms = 2.7386127875.
  const std::vector<float> x = {1, 2, 3, 4};
  const std::vector<float> scale = {1, 1, 2, 1};
  std::vector<float> y(4);
  rms_norm(x.data(), scale.data(), y.data(), 1, 4, 0.0f);
  EXPECT_NEAR(y[0], 0.3651483717, 1e-6);
  EXPECT_NEAR(y[1], 0.7302967433, 1e-6);
  EXPECT_NEAR(y[2], 2.1908902300, 1e-6);
  EXPECT_NEAR(y[3], 1.4605934867, 1e-6);
  // Two rows; second: [3, 4], mean(x^2) 12.5, + eps 3.5 = 16 -> divide by 4.
  const std::vector<float> x2 = {3, 4, 3, 4};
  const std::vector<float> s2 = {1, 1};
  std::vector<float> y2(4);
  rms_norm(x2.data(), s2.data(), y2.data(), 2, 2, 3.5f);
  EXPECT_EQ(y2, (std::vector<float>{0.75f, 1.0f, 0.75f, 1.0f}));
  // All zeros stay zero (eps keeps the root positive).
  const std::vector<float> z = {0, 0};
  rms_norm(z.data(), s2.data(), y2.data(), 1, 2, 1e-5f);
  EXPECT_EQ(y2[0], 0.0f);
  EXPECT_EQ(y2[1], 0.0f);
}

TEST(Normalize, BadArgumentsThrow) {
  std::vector<float> x(4), y(4);
  EXPECT_THROW(softmax(x.data(), y.data(), 1, -4, 1), Error);
  EXPECT_THROW(layer_norm(x.data(), nullptr, nullptr, y.data(), 1, 4, 0.0f), Error);
  EXPECT_THROW(rms_norm(x.data(), x.data(), y.data(), -1, 4, 0.0f), Error);
}

}  // namespace
}  // namespace nuri::kernels
