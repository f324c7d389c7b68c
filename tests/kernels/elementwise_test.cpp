#include "kernels/cpu/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Independent broadcasting reference: unravel the output index, then for each input take the
// right-aligned coordinate modulo its dim (a dim of 1 always yields 0).
int64_t source_index(const Shape& in, const Shape& out, int64_t flat) {
  std::vector<int64_t> coord(out.size());
  for (size_t d = out.size(); d-- > 0;) {
    coord[d] = flat % out[d];
    flat /= out[d];
  }
  int64_t idx = 0;
  const size_t off = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d) idx = idx * in[d] + coord[off + d] % in[d];
  return idx;
}

std::vector<float> iota_values(const Shape& s, float start, float step) {
  std::vector<float> v(static_cast<size_t>(numel(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

struct BroadcastCase {
  Shape a;
  Shape b;
  Shape out;
};

// Every direction: scalar either side, [1], row, column, rank mismatch, both sides
// broadcasting, and shapes whose dims cannot be merged into one run.
const std::vector<BroadcastCase> kBroadcastCases = {
    {{2, 3}, {2, 3}, {2, 3}},
    {{}, {2, 3}, {2, 3}},
    {{2, 3}, {}, {2, 3}},
    {{1}, {2, 3}, {2, 3}},
    {{2, 3}, {3}, {2, 3}},
    {{2, 3}, {1, 3}, {2, 3}},
    {{2, 1}, {2, 3}, {2, 3}},
    {{4, 1, 3}, {2, 1}, {4, 2, 3}},
    {{3, 1}, {1, 4}, {3, 4}},
    {{2, 1, 3}, {1, 4, 1}, {2, 4, 3}},
    {{5, 1, 1, 2}, {3, 1, 2}, {5, 3, 1, 2}},
    {{1, 1}, {7}, {1, 7}},
};

TEST(Elementwise, AddHandValues) {
  const Shape s = {2, 2};
  const std::vector<float> a = {1, 2, 3, 4};
  const std::vector<float> b = {10, 20, 30, 40};
  std::vector<float> out(4);
  binary<float>(BinaryOp::Add, a.data(), s, b.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<float>{11, 22, 33, 44}));
}

TEST(Elementwise, OuterSumFromColumnAndRow) {
  const Shape col = {3, 1};
  const Shape row = {1, 4};
  const Shape out_shape = {3, 4};
  const std::vector<float> a = {0, 10, 20};
  const std::vector<float> b = {1, 2, 3, 4};
  std::vector<float> out(12);
  binary<float>(BinaryOp::Add, a.data(), col, b.data(), row, out.data(), out_shape);
  const std::vector<float> expect = {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24};
  EXPECT_EQ(out, expect);
}

TEST(Elementwise, FloatBroadcastMatchesNaiveForAllOps) {
  for (const auto& c : kBroadcastCases) {
    const auto a = iota_values(c.a, 0.5f, 0.25f);
    const auto b = iota_values(c.b, 1.0f, 0.5f);
    std::vector<float> out(static_cast<size_t>(numel(c.out)));
    for (BinaryOp op :
         {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow}) {
      binary<float>(op, a.data(), c.a, b.data(), c.b, out.data(), c.out);
      for (int64_t i = 0; i < numel(c.out); ++i) {
        const float x = a[static_cast<size_t>(source_index(c.a, c.out, i))];
        const float y = b[static_cast<size_t>(source_index(c.b, c.out, i))];
        float e = 0;
        switch (op) {
          case BinaryOp::Add:
            e = x + y;
            break;
          case BinaryOp::Sub:
            e = x - y;
            break;
          case BinaryOp::Mul:
            e = x * y;
            break;
          case BinaryOp::Div:
            e = x / y;
            break;
          case BinaryOp::Pow:
            e = std::pow(x, y);
            break;
        }
        // Same float operation on the same operands: identical, except that powf may be
        // evaluated (or constant-folded) with a different last-bit rounding.
        if (op == BinaryOp::Pow) {
          ASSERT_FLOAT_EQ(out[static_cast<size_t>(i)], e) << "i " << i;
        } else {
          ASSERT_EQ(out[static_cast<size_t>(i)], e) << "op " << static_cast<int>(op) << " i " << i;
        }
      }
    }
  }
}

TEST(Elementwise, IntBroadcastMatchesNaive) {
  for (const auto& c : kBroadcastCases) {
    std::vector<int64_t> a(static_cast<size_t>(numel(c.a)));
    std::vector<int64_t> b(static_cast<size_t>(numel(c.b)));
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int64_t>(i) * 3 - 5;
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<int64_t>(i) + 1;
    std::vector<int64_t> out(static_cast<size_t>(numel(c.out)));
    binary<int64_t>(BinaryOp::Mul, a.data(), c.a, b.data(), c.b, out.data(), c.out);
    for (int64_t i = 0; i < numel(c.out); ++i)
      ASSERT_EQ(out[static_cast<size_t>(i)],
                a[static_cast<size_t>(source_index(c.a, c.out, i))] *
                    b[static_cast<size_t>(source_index(c.b, c.out, i))]);
  }
}

TEST(Elementwise, FloatHandValues) {
  const Shape s = {3};
  const std::vector<float> a = {1.5f, -2.0f, 9.0f};
  const std::vector<float> b = {0.5f, 4.0f, 0.5f};
  std::vector<float> out(3);
  binary<float>(BinaryOp::Sub, a.data(), s, b.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<float>{1.0f, -6.0f, 8.5f}));
  binary<float>(BinaryOp::Div, a.data(), s, b.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<float>{3.0f, -0.5f, 18.0f}));
  binary<float>(BinaryOp::Pow, a.data(), s, b.data(), s, out.data(), s);
  EXPECT_FLOAT_EQ(out[0], std::sqrt(1.5f));
  EXPECT_FLOAT_EQ(out[1], 16.0f);
  EXPECT_FLOAT_EQ(out[2], 3.0f);
}

TEST(Elementwise, IntDivTruncatesTowardZero) {
  const Shape s = {4};
  const std::vector<int32_t> a = {-7, 7, -7, 7};
  const std::vector<int32_t> b = {2, -2, -2, 2};
  std::vector<int32_t> out(4);
  binary<int32_t>(BinaryOp::Div, a.data(), s, b.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<int32_t>{-3, -3, 3, 3}));
  const std::vector<int64_t> a64 = {-7, -1, 1000000000000, -9};
  const std::vector<int64_t> b64 = {2, 3, 7, 4};
  std::vector<int64_t> out64(4);
  binary<int64_t>(BinaryOp::Div, a64.data(), s, b64.data(), s, out64.data(), s);
  EXPECT_EQ(out64, (std::vector<int64_t>{-3, 0, 142857142857, -2}));
}

TEST(Elementwise, IntDivByZeroThrows) {
  const Shape s = {2};
  const std::vector<int32_t> a = {1, 2};
  const std::vector<int32_t> b = {1, 0};
  std::vector<int32_t> out(2);
  EXPECT_THROW(binary<int32_t>(BinaryOp::Div, a.data(), s, b.data(), s, out.data(), s), Error);
}

TEST(Elementwise, IntOverflowWraps) {
  const Shape s = {1};
  const int32_t mx = std::numeric_limits<int32_t>::max();
  const int32_t mn = std::numeric_limits<int32_t>::min();
  int32_t out = 0;
  const int32_t one = 1;
  const int32_t minus_one = -1;
  binary<int32_t>(BinaryOp::Add, &mx, s, &one, s, &out, s);
  EXPECT_EQ(out, mn);
  binary<int32_t>(BinaryOp::Div, &mn, s, &minus_one, s, &out, s);
  EXPECT_EQ(out, mn);
}

TEST(Elementwise, IntPowExact) {
  const Shape s = {9};
  const std::vector<int32_t> base = {2, -3, 2, 1, -1, -1, 0, 3, 0};
  const std::vector<int32_t> exp = {10, 3, -1, -5, -3, -4, 0, 0, -2};
  std::vector<int32_t> out(9);
  binary<int32_t>(BinaryOp::Pow, base.data(), s, exp.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<int32_t>{1024, -27, 0, 1, -1, 1, 1, 1, 0}));
  // 3^39 needs 62 bits; a double pow would round it (2^53 < 3^39).
  const Shape one = {1};
  const int64_t b64 = 3;
  const int64_t e64 = 39;
  int64_t r64 = 0;
  binary<int64_t>(BinaryOp::Pow, &b64, one, &e64, one, &r64, one);
  EXPECT_EQ(r64, 4052555153018976267LL);
  // Huge exponents of +-1 finish (square-and-multiply) with the parity sign.
  const int64_t mbase = -1;
  const int64_t big = (int64_t{1} << 62) + 1;
  binary<int64_t>(BinaryOp::Pow, &mbase, one, &big, one, &r64, one);
  EXPECT_EQ(r64, -1);
}

TEST(Elementwise, EqualAllTypes) {
  const Shape s = {4};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> fa = {1.0f, nan, -0.0f, 2.0f};
  const std::vector<float> fb = {1.0f, nan, 0.0f, 2.5f};
  std::vector<uint8_t> out(4);
  equal<float>(fa.data(), s, fb.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 0, 1, 0}));

  const Shape col = {2, 1};
  const Shape row = {3};
  const Shape o23 = {2, 3};
  const std::vector<int32_t> ia = {1, 2};
  const std::vector<int32_t> ib = {2, 1, 2};
  std::vector<uint8_t> out6(6);
  equal<int32_t>(ia.data(), col, ib.data(), row, out6.data(), o23);
  EXPECT_EQ(out6, (std::vector<uint8_t>{0, 1, 0, 1, 0, 1}));

  const std::vector<int64_t> la = {5, 6};
  const std::vector<int64_t> lb = {6, 5, 6};
  equal<int64_t>(la.data(), col, lb.data(), row, out6.data(), o23);
  EXPECT_EQ(out6, (std::vector<uint8_t>{0, 1, 0, 1, 0, 1}));

  const Shape scalar = {};
  const uint8_t t = 1;
  const std::vector<uint8_t> ba = {1, 0, 1, 1};
  equal<uint8_t>(&t, scalar, ba.data(), s, out.data(), s);
  EXPECT_EQ(out, (std::vector<uint8_t>{1, 0, 1, 1}));
}

TEST(Elementwise, WhereBroadcastsAllThree) {
  const Shape cs = {2, 1};
  const Shape xs = {1, 3};
  const Shape ys = {};
  const Shape os = {2, 3};
  const std::vector<uint8_t> cond = {1, 0};
  const std::vector<float> x = {1, 2, 3};
  const float y = -1;
  std::vector<float> out(6);
  where(cond.data(), cs, x.data(), xs, &y, ys, out.data(), os, sizeof(float));
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, -1, -1, -1}));

  // Row condition, 8- and 2-byte elements.
  const Shape row = {3};
  const std::vector<uint8_t> rc = {0, 7, 0};  // any nonzero is true
  const std::vector<int64_t> x64 = {10, 20, 30, 40, 50, 60};
  const std::vector<int64_t> y64 = {-1, -2, -3, -4, -5, -6};
  std::vector<int64_t> o64(6);
  where(rc.data(), row, x64.data(), os, y64.data(), os, o64.data(), os, sizeof(int64_t));
  EXPECT_EQ(o64, (std::vector<int64_t>{-1, 20, -3, -4, 50, -6}));
  const std::vector<uint16_t> x16 = {1, 2, 3};
  const uint16_t y16 = 9;
  std::vector<uint16_t> o16(6);
  where(cond.data(), cs, x16.data(), xs, &y16, ys, o16.data(), os, sizeof(uint16_t));
  EXPECT_EQ(o16, (std::vector<uint16_t>{1, 2, 3, 9, 9, 9}));
}

TEST(Elementwise, WhereOddElementSize) {
  struct Rgb {
    uint8_t v[3];
  };
  const Shape s = {3};
  const std::vector<uint8_t> cond = {1, 0, 1};
  const Rgb x[3] = {{{1, 2, 3}}, {{4, 5, 6}}, {{7, 8, 9}}};
  const Rgb y[3] = {{{0, 0, 0}}, {{9, 9, 9}}, {{0, 0, 0}}};
  Rgb out[3] = {};
  where(cond.data(), s, x, s, y, s, out, s, sizeof(Rgb));
  EXPECT_EQ(std::memcmp(&out[0], &x[0], 3), 0);
  EXPECT_EQ(std::memcmp(&out[1], &y[1], 3), 0);
  EXPECT_EQ(std::memcmp(&out[2], &x[2], 3), 0);
  EXPECT_THROW(where(cond.data(), s, x, s, y, s, out, s, 0), Error);
}

TEST(Elementwise, BadShapesThrow) {
  const Shape a = {3};
  const Shape b = {2, 4};
  const std::vector<float> va(3), vb(8);
  std::vector<float> out(8);
  EXPECT_THROW(binary<float>(BinaryOp::Add, va.data(), a, vb.data(), b, out.data(), b), Error);
}

float unary1(UnaryOp op, float x) {
  float y = 0;
  unary(op, &x, &y, 1);
  return y;
}

TEST(Elementwise, UnaryHandValues) {
  EXPECT_EQ(unary1(UnaryOp::Sqrt, 4.0f), 2.0f);
  EXPECT_FLOAT_EQ(unary1(UnaryOp::Exp, 1.0f), 2.7182818f);
  EXPECT_FLOAT_EQ(unary1(UnaryOp::Tanh, 0.5f), 0.46211716f);
  EXPECT_EQ(unary1(UnaryOp::Neg, 3.0f), -3.0f);
  EXPECT_EQ(unary1(UnaryOp::Reciprocal, 4.0f), 0.25f);
  EXPECT_EQ(unary1(UnaryOp::Relu, -1.0f), 0.0f);
  EXPECT_EQ(unary1(UnaryOp::Relu, 2.0f), 2.0f);
  EXPECT_TRUE(std::isnan(unary1(UnaryOp::Relu, std::numeric_limits<float>::quiet_NaN())));
  EXPECT_FLOAT_EQ(unary1(UnaryOp::Sigmoid, 0.0f), 0.5f);
  EXPECT_FLOAT_EQ(unary1(UnaryOp::Sigmoid, 2.0f), 0.88079708f);
  EXPECT_FLOAT_EQ(unary1(UnaryOp::Silu, 1.0f), 0.73105858f);
}

TEST(Elementwise, ErfHandValues) {
  // Abramowitz & Stegun table 7.1.
  EXPECT_EQ(unary1(UnaryOp::Erf, 0.0f), 0.0f);
  EXPECT_NEAR(unary1(UnaryOp::Erf, 0.5f), 0.5204998778, 1e-7);
  EXPECT_NEAR(unary1(UnaryOp::Erf, 1.0f), 0.8427007929, 1e-7);
  EXPECT_NEAR(unary1(UnaryOp::Erf, -1.0f), -0.8427007929, 1e-7);
  EXPECT_NEAR(unary1(UnaryOp::Erf, 2.0f), 0.9953222650, 1e-7);
}

TEST(Elementwise, GeluFormsMatchHandValuesAndEachOther) {
  EXPECT_NEAR(unary1(UnaryOp::GeluErf, 1.0f), 0.841345, 1e-6);
  EXPECT_NEAR(unary1(UnaryOp::GeluTanh, 1.0f), 0.841192, 1e-6);
  EXPECT_NEAR(unary1(UnaryOp::GeluErf, -1.0f), -0.158655, 1e-6);
  EXPECT_EQ(unary1(UnaryOp::GeluErf, 0.0f), 0.0f);
  // Far left tail: tiny and negative, not 0 from cancellation, not NaN.
  const float g = unary1(UnaryOp::GeluErf, -6.0f);
  EXPECT_LT(g, 0.0f);
  EXPECT_NEAR(g, -6.0 * 0.5 * std::erfc(6.0 / std::sqrt(2.0)), 1e-15);
  std::vector<float> x;
  for (int i = -600; i <= 600; ++i) x.push_back(static_cast<float>(i) / 100.0f);
  std::vector<float> ge(x.size()), gt(x.size());
  unary(UnaryOp::GeluErf, x.data(), ge.data(), static_cast<int64_t>(x.size()));
  unary(UnaryOp::GeluTanh, x.data(), gt.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(ge[i], gt[i], 1e-3) << "x " << x[i];
}

TEST(Elementwise, SigmoidSymmetryAndSiluIdentity) {
  std::vector<float> x;
  for (int i = -40; i <= 40; ++i) x.push_back(static_cast<float>(i) * 0.37f);
  const auto n = static_cast<int64_t>(x.size());
  std::vector<float> nx(x.size()), s(x.size()), sn(x.size()), silu(x.size());
  for (size_t i = 0; i < x.size(); ++i) nx[i] = -x[i];
  unary(UnaryOp::Sigmoid, x.data(), s.data(), n);
  unary(UnaryOp::Sigmoid, nx.data(), sn.data(), n);
  unary(UnaryOp::Silu, x.data(), silu.data(), n);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(s[i] + sn[i], 1.0f, 1.2e-7f) << x[i];  // sigma(x) + sigma(-x) = 1
    EXPECT_NEAR(silu[i], x[i] * s[i], 1e-6f * (1.0f + std::fabs(x[i])));
  }
  EXPECT_EQ(unary1(UnaryOp::Sigmoid, 200.0f), 1.0f);
  EXPECT_EQ(unary1(UnaryOp::Sigmoid, -200.0f), 0.0f);
  EXPECT_EQ(unary1(UnaryOp::GeluTanh, -200.0f), -0.0f);
}

TEST(Elementwise, NegateIntegers) {
  const std::vector<int32_t> x = {3, -4, 0, std::numeric_limits<int32_t>::min()};
  std::vector<int32_t> y(4);
  negate<int32_t>(x.data(), y.data(), 4);
  EXPECT_EQ(y, (std::vector<int32_t>{-3, 4, 0, std::numeric_limits<int32_t>::min()}));
  const std::vector<int64_t> x64 = {int64_t{1} << 40, -5};
  std::vector<int64_t> y64(2);
  negate<int64_t>(x64.data(), y64.data(), 2);
  EXPECT_EQ(y64, (std::vector<int64_t>{-(int64_t{1} << 40), 5}));
}

}  // namespace
}  // namespace nuri::kernels
