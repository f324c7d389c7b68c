// RoPE: each pair is a complex number multiplied by e^{i theta}; checked against
// std::complex, plus invariants (norm, position 0, layout permutation, position_ids path).
#include "kernels/cpu/rotary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <random>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Standard RoPE table: theta(pos, i) = pos * 10000^(-2i / rotary_dim), [max_pos, half].
struct Table {
  std::vector<float> cos, sin;
  Table(int64_t max_pos, int64_t rotary_dim) {
    const int64_t half = rotary_dim / 2;
    for (int64_t p = 0; p < max_pos; ++p)
      for (int64_t i = 0; i < half; ++i) {
        const double theta = p * std::pow(10000.0, -2.0 * i / rotary_dim);
        cos.push_back(static_cast<float>(std::cos(theta)));
        sin.push_back(static_cast<float>(std::sin(theta)));
      }
  }
};

RotaryDims rdims(int64_t b, int64_t h, int64_t s, int64_t d, int64_t rot, bool inter) {
  RotaryDims r;
  r.batch = b;
  r.heads = h;
  r.seq = s;
  r.head_dim = d;
  r.rotary_dim = rot;
  r.interleaved = inter;
  return r;
}

TEST(Rotary, HandQuarterTurn) {
  // One pair (1, 2) rotated by 90 degrees: (-2, 1).
  const std::vector<float> x = {1.0f, 2.0f}, c = {0.0f}, s = {1.0f};
  std::vector<float> y(2);
  ASSERT_TRUE(rotary_embedding(rdims(1, 1, 1, 2, 0, false), x.data(), c.data(), s.data(), nullptr,
                               0, 0, y.data()));
  EXPECT_EQ(y, (std::vector<float>{-2.0f, 1.0f}));
}

TEST(Rotary, HalfLayoutMatchesComplexRotationAndKeepsNorms) {
  const int64_t B = 2, H = 3, S = 5, D = 8, half = 4;
  const Table t(S, D);
  const std::vector<float> x = random_vec(B * H * S * D, 1);
  std::vector<float> y(x.size());
  // Direct path, one table shared by the batch (stride 0).
  ASSERT_TRUE(rotary_embedding(rdims(B, H, S, D, 0, false), x.data(), t.cos.data(), t.sin.data(),
                               nullptr, 0, 0, y.data()));
  for (int64_t row = 0; row < B * H * S; ++row) {
    const int64_t pos = row % S;
    for (int64_t i = 0; i < half; ++i) {
      const double theta = pos * std::pow(10000.0, -2.0 * i / D);
      const std::complex<double> in(x[row * D + i], x[row * D + i + half]);
      const std::complex<double> out = in * std::polar(1.0, theta);
      const float y1 = y[row * D + i], y2 = y[row * D + i + half];
      EXPECT_NEAR(y1, out.real(), 1e-5) << row << " " << i;
      EXPECT_NEAR(y2, out.imag(), 1e-5) << row << " " << i;
      EXPECT_NEAR(std::hypot(y1, y2), std::abs(in), 1e-5 * (1 + std::abs(in)));
    }
  }
}

TEST(Rotary, PositionZeroIsIdentity) {
  const int64_t D = 6;
  const Table t(4, D);
  const std::vector<float> x = random_vec(2 * D, 2);  // B=2, H=1, S=1
  const std::vector<int64_t> pos = {0, 0};
  for (bool inter : {false, true}) {
    std::vector<float> y(x.size());
    ASSERT_TRUE(rotary_embedding(rdims(2, 1, 1, D, 0, inter), x.data(), t.cos.data(), t.sin.data(),
                                 pos.data(), 4, 0, y.data()));
    EXPECT_EQ(y, x);  // cos 0 = 1 and sin 0 = 0 exactly
  }
}

TEST(Rotary, InterleavedIsHalfLayoutUnderPermutation) {
  const int64_t B = 1, H = 2, S = 3, D = 8, half = 4;
  const Table t(S, D);
  const std::vector<float> xh = random_vec(B * H * S * D, 3);
  // Interleaved position 2i holds half-layout element i; 2i+1 holds element i + half.
  std::vector<float> xi(xh.size());
  for (int64_t row = 0; row < B * H * S; ++row)
    for (int64_t i = 0; i < half; ++i) {
      xi[row * D + 2 * i] = xh[row * D + i];
      xi[row * D + 2 * i + 1] = xh[row * D + i + half];
    }
  std::vector<float> yh(xh.size()), yi(xi.size());
  ASSERT_TRUE(rotary_embedding(rdims(B, H, S, D, 0, false), xh.data(), t.cos.data(), t.sin.data(),
                               nullptr, 0, 0, yh.data()));
  ASSERT_TRUE(rotary_embedding(rdims(B, H, S, D, 0, true), xi.data(), t.cos.data(), t.sin.data(),
                               nullptr, 0, 0, yi.data()));
  for (int64_t row = 0; row < B * H * S; ++row)
    for (int64_t i = 0; i < half; ++i) {
      EXPECT_EQ(yi[row * D + 2 * i], yh[row * D + i]);
      EXPECT_EQ(yi[row * D + 2 * i + 1], yh[row * D + i + half]);
    }
}

TEST(Rotary, PositionIdsEqualDirectTables) {
  const int64_t B = 2, H = 2, S = 3, D = 4, half = 2, max_pos = 16;
  const Table t(max_pos, D);
  const std::vector<int64_t> pos = {5, 0, 15, 7, 7, 2};  // [B, S]
  // Direct path: per-batch tables [B, S, half] gathered by hand.
  std::vector<float> c(B * S * half), s(B * S * half);
  for (int64_t bs = 0; bs < B * S; ++bs)
    for (int64_t i = 0; i < half; ++i) {
      c[bs * half + i] = t.cos[pos[bs] * half + i];
      s[bs * half + i] = t.sin[pos[bs] * half + i];
    }
  const std::vector<float> x = random_vec(B * H * S * D, 4);
  for (bool inter : {false, true}) {
    std::vector<float> y1(x.size()), y2(x.size());
    ASSERT_TRUE(rotary_embedding(rdims(B, H, S, D, 0, inter), x.data(), t.cos.data(), t.sin.data(),
                                 pos.data(), max_pos, 0, y1.data()));
    ASSERT_TRUE(rotary_embedding(rdims(B, H, S, D, 0, inter), x.data(), c.data(), s.data(), nullptr,
                                 0, S * half, y2.data()));
    EXPECT_EQ(y1, y2);
  }
}

TEST(Rotary, PartialRotaryDimPassesTailAndWorksInPlace) {
  const int64_t S = 2, D = 6, rot = 4;
  const Table t(S, rot);
  const std::vector<float> x = random_vec(S * D, 5);
  std::vector<float> y(x.size());
  ASSERT_TRUE(rotary_embedding(rdims(1, 1, S, D, rot, false), x.data(), t.cos.data(), t.sin.data(),
                               nullptr, 0, 0, y.data()));
  for (int64_t p = 0; p < S; ++p) {
    EXPECT_EQ(y[p * D + 4], x[p * D + 4]);
    EXPECT_EQ(y[p * D + 5], x[p * D + 5]);
    for (int64_t i = 0; i < 2; ++i) {
      const std::complex<double> out = std::complex<double>(x[p * D + i], x[p * D + i + 2]) *
                                       std::polar(1.0, p * std::pow(10000.0, -2.0 * i / rot));
      EXPECT_NEAR(y[p * D + i], out.real(), 1e-5);
      EXPECT_NEAR(y[p * D + i + 2], out.imag(), 1e-5);
    }
  }
  std::vector<float> inplace = x;
  ASSERT_TRUE(rotary_embedding(rdims(1, 1, S, D, rot, false), inplace.data(), t.cos.data(),
                               t.sin.data(), nullptr, 0, 0, inplace.data()));
  EXPECT_EQ(inplace, y);
}

TEST(Rotary, BadPositionsReturnFalseAndBadDimsThrow) {
  const Table t(4, 2);
  const std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};  // S = 2, D = 2
  for (int64_t bad : {int64_t{4}, int64_t{-1}}) {
    const std::vector<int64_t> pos = {1, bad};
    std::vector<float> y(4, -9.0f);
    EXPECT_FALSE(rotary_embedding(rdims(1, 1, 2, 2, 0, false), x.data(), t.cos.data(), t.sin.data(),
                                  pos.data(), 4, 0, y.data()));
    EXPECT_EQ(y, std::vector<float>(4, -9.0f));
  }
  std::vector<float> y(4);
  EXPECT_THROW(rotary_embedding(rdims(1, 1, 1, 4, 3, false), x.data(), t.cos.data(), t.sin.data(),
                                nullptr, 0, 0, y.data()),
               Error);
  EXPECT_THROW(rotary_embedding(rdims(1, 1, 1, 2, 4, false), x.data(), t.cos.data(), t.sin.data(),
                                nullptr, 0, 0, y.data()),
               Error);
}

}  // namespace
}  // namespace nuri::kernels
