// Data movement against index arithmetic written out here, and cast against hand values.
#include "kernels/cpu/layout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "kernels/cpu/half.h"
#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

std::vector<int32_t> iota(int64_t n, int32_t start = 0) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

// Elements of `size` bytes whose bytes encode the element index, to catch byte mix-ups.
std::vector<uint8_t> tagged(int64_t n, size_t size) {
  std::vector<uint8_t> v(static_cast<size_t>(n) * size);
  for (int64_t i = 0; i < n; ++i)
    for (size_t b = 0; b < size; ++b) v[i * size + b] = static_cast<uint8_t>(i * 7 + b * 31);
  return v;
}

TEST(Transpose, AllPermutationsOfRank4MatchIndexArithmetic) {
  const std::array<int64_t, 4> shape = {2, 3, 4, 5};
  const int64_t n = 120;
  for (size_t es : {size_t{1}, size_t{2}, size_t{3}, size_t{4}, size_t{8}}) {
    const std::vector<uint8_t> src = tagged(n, es);
    std::array<int64_t, 4> perm = {0, 1, 2, 3};
    do {
      std::vector<uint8_t> dst(src.size());
      transpose(src.data(), shape, perm, dst.data(), es);
      std::array<int64_t, 4> out_shape{};
      for (int i = 0; i < 4; ++i) out_shape[i] = shape[perm[i]];
      for (int64_t o = 0; o < n; ++o) {
        // Decompose the output index, then place each coordinate on its source axis.
        std::array<int64_t, 4> oi{}, si{};
        for (int64_t d = 3, r = o; d >= 0; --d) {
          oi[d] = r % out_shape[d];
          r /= out_shape[d];
        }
        for (int i = 0; i < 4; ++i) si[perm[i]] = oi[i];
        const int64_t s = ((si[0] * 3 + si[1]) * 4 + si[2]) * 5 + si[3];
        ASSERT_EQ(std::memcmp(&dst[o * es], &src[s * es], es), 0) << "es " << es << " o " << o;
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(Transpose, HandMatrixAndInverse) {
  const std::vector<int32_t> src = iota(6);  // [[0,1,2],[3,4,5]]
  const std::array<int64_t, 2> shape = {2, 3}, perm = {1, 0}, tshape = {3, 2};
  std::vector<int32_t> t(6), back(6);
  transpose(src.data(), shape, perm, t.data(), 4);
  EXPECT_EQ(t, (std::vector<int32_t>{0, 3, 1, 4, 2, 5}));
  transpose(t.data(), tshape, perm, back.data(), 4);
  EXPECT_EQ(back, src);
}

TEST(Transpose, RankZeroEmptyAndBadPerm) {
  int32_t a = 42, b = 0;
  transpose(&a, {}, {}, &b, 4);
  EXPECT_EQ(b, 42);
  const std::array<int64_t, 2> empty_shape = {0, 3}, perm = {1, 0};
  transpose(nullptr, empty_shape, perm, nullptr, 4);  // nothing to touch
  const std::array<int64_t, 2> shape = {2, 3}, repeated = {0, 0};
  std::vector<int32_t> src = iota(6), dst(6);
  EXPECT_THROW(transpose(src.data(), shape, repeated, dst.data(), 4), Error);
}

TEST(ConcatSplit, MiddleAxisByIndexAndRoundTrip) {
  const std::array<int64_t, 3> s0 = {2, 1, 3}, s1 = {2, 2, 3}, s2 = {2, 3, 3};
  const std::vector<int32_t> a = iota(6, 0), b = iota(12, 100), c = iota(18, 1000);
  const std::array<const void*, 3> srcs = {a.data(), b.data(), c.data()};
  const std::array<Dims, 3> shapes = {Dims(s0), Dims(s1), Dims(s2)};
  std::vector<int32_t> out(36);
  concat(srcs, shapes, 1, out.data(), 4);
  // out [2, 6, 3]: rows 0 from a, 1-2 from b, 3-5 from c.
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 6; ++j)
      for (int64_t k = 0; k < 3; ++k) {
        const int32_t expect = j < 1   ? a[(i * 1 + j) * 3 + k]
                               : j < 3 ? b[(i * 2 + j - 1) * 3 + k]
                                       : c[(i * 3 + j - 3) * 3 + k];
        ASSERT_EQ(out[(i * 6 + j) * 3 + k], expect);
      }
  std::vector<int32_t> a2(6), b2(12), c2(18);
  const std::array<void*, 3> dsts = {a2.data(), b2.data(), c2.data()};
  const std::array<int64_t, 3> out_shape = {2, 6, 3}, sizes = {1, 2, 3};
  split(out.data(), out_shape, 1, sizes, dsts, 4);
  EXPECT_EQ(a2, a);
  EXPECT_EQ(b2, b);
  EXPECT_EQ(c2, c);
}

TEST(ConcatSplit, FirstAndLastAxis) {
  const std::vector<int32_t> a = {1, 2, 3, 4}, b = {5, 6};  // [2,2] and [1,2] / [2,1]
  const std::array<int64_t, 2> sa = {2, 2}, sb0 = {1, 2}, sb1 = {2, 1};
  std::vector<int32_t> out(6);
  const std::array<const void*, 2> srcs = {a.data(), b.data()};
  const std::array<Dims, 2> shapes0 = {Dims(sa), Dims(sb0)}, shapes1 = {Dims(sa), Dims(sb1)};
  concat(srcs, shapes0, 0, out.data(), 4);
  EXPECT_EQ(out, (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
  concat(srcs, shapes1, 1, out.data(), 4);
  EXPECT_EQ(out, (std::vector<int32_t>{1, 2, 5, 3, 4, 6}));
  std::vector<int32_t> p(4), q(2);
  const std::array<void*, 2> dsts = {p.data(), q.data()};
  const std::array<int64_t, 2> oshape = {2, 3}, sizes = {2, 1}, bad = {2, 2};
  split(out.data(), oshape, 1, sizes, dsts, 4);
  EXPECT_EQ(p, a);
  EXPECT_EQ(q, b);
  EXPECT_THROW(split(out.data(), oshape, 1, bad, dsts, 4), Error);
  const std::array<int64_t, 2> mismatch = {3, 1};
  const std::array<Dims, 2> bad_shapes = {Dims(sa), Dims(mismatch)};
  EXPECT_THROW(concat(srcs, bad_shapes, 1, out.data(), 4), Error);
}

TEST(Slice, NegativeStepsHandValues) {
  const std::vector<int32_t> src = iota(15);  // [3, 5]
  const std::array<int64_t, 2> shape = {3, 5}, starts = {2, 4}, steps = {-1, -2}, out = {3, 3};
  std::vector<int32_t> dst(9);
  slice(src.data(), shape, starts, steps, dst.data(), out, 4);
  EXPECT_EQ(dst, (std::vector<int32_t>{14, 12, 10, 9, 7, 5, 4, 2, 0}));
  // Mixed: rows 0 and 2 forward, columns 3, 2, 1 reversed.
  const std::array<int64_t, 2> st2 = {0, 3}, sp2 = {2, -1}, out2 = {2, 3};
  std::vector<int32_t> dst2(6);
  slice(src.data(), shape, st2, sp2, dst2.data(), out2, 4);
  EXPECT_EQ(dst2, (std::vector<int32_t>{3, 2, 1, 13, 12, 11}));
}

TEST(Slice, GeneralAgainstIndexFormula) {
  const std::array<int64_t, 3> shape = {4, 5, 6};
  const std::vector<int32_t> src = iota(120);
  const std::array<int64_t, 3> starts = {3, 1, 5}, steps = {-2, 3, -1}, out = {2, 2, 6};
  std::vector<int32_t> dst(24);
  slice(src.data(), shape, starts, steps, dst.data(), out, 4);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t k = 0; k < 6; ++k)
        EXPECT_EQ(dst[(i * 2 + j) * 6 + k], ((3 - 2 * i) * 5 + (1 + 3 * j)) * 6 + (5 - k));
  const std::array<int64_t, 3> too_far = {2, 3, 6};  // row 1 + 3*2 = 7 > 4
  EXPECT_THROW(slice(src.data(), shape, starts, steps, dst.data(), too_far, 4), Error);
}

TEST(Gather, NegativeIndicesBothAxes) {
  const std::vector<int32_t> data = iota(12);  // [3, 4]
  const std::array<int64_t, 2> shape = {3, 4};
  const std::array<int64_t, 3> rows = {-1, 0, 2};
  std::vector<int32_t> out(12);
  ASSERT_TRUE(gather(data.data(), shape, 0, rows.data(), 3, out.data(), 4));
  EXPECT_EQ(out, (std::vector<int32_t>{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  const std::array<int64_t, 3> cols = {1, -4, -1};
  std::vector<int32_t> out2(9);
  ASSERT_TRUE(gather(data.data(), shape, 1, cols.data(), 3, out2.data(), 4));
  EXPECT_EQ(out2, (std::vector<int32_t>{1, 0, 3, 5, 4, 7, 9, 8, 11}));
}

TEST(Gather, OutOfRangeReturnsFalseAndWritesNothing) {
  const std::vector<int32_t> data = iota(12);
  const std::array<int64_t, 2> shape = {3, 4};
  for (int64_t bad : {int64_t{3}, int64_t{-4}, std::numeric_limits<int64_t>::min()}) {
    const std::array<int64_t, 2> idx = {0, bad};
    std::vector<int32_t> out(8, -7);
    EXPECT_FALSE(gather(data.data(), shape, 0, idx.data(), 2, out.data(), 4)) << bad;
    EXPECT_EQ(out, std::vector<int32_t>(8, -7));
  }
}

TEST(Expand, BroadcastByIndex) {
  const std::vector<int32_t> src = {10, 20, 30};  // [3, 1]
  const std::array<int64_t, 2> sshape = {3, 1};
  const std::array<int64_t, 3> oshape = {2, 3, 4};
  std::vector<int32_t> out(24);
  expand(src.data(), sshape, out.data(), oshape, 4);
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(out[(a * 3 + b) * 4 + c], src[b]);
  const int32_t scalar = 5;
  const std::array<int64_t, 2> sq = {2, 2};
  std::vector<int32_t> out2(4);
  expand(&scalar, {}, out2.data(), sq, 4);
  EXPECT_EQ(out2, std::vector<int32_t>(4, 5));
  const std::array<int64_t, 1> row = {3};
  const std::array<int64_t, 2> bad = {2, 4};
  EXPECT_THROW(expand(src.data(), row, out.data(), bad, 4), Error);
}

template <typename To, typename From>
std::vector<To> cast_vec(const std::vector<From>& in, nuri_dtype from, nuri_dtype to) {
  std::vector<To> out(in.size());
  cast(in.data(), from, out.data(), to, static_cast<int64_t>(in.size()));
  return out;
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TEST(Cast, FloatToIntTruncatesAndSaturates) {
  const std::vector<float> x = {1.9f, -1.9f, 2.5f, -0.5f, 3e9f, -3e9f, kNaN, kInf, -kInf};
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(cast_vec<int32_t>(x, NURI_DTYPE_F32, NURI_DTYPE_I32),
            (std::vector<int32_t>{1, -1, 2, 0, kMax, kMin, 0, kMax, kMin}));
  const std::vector<float> y = {127.9f, 128.0f, -128.9f, -129.0f, 300.0f};
  EXPECT_EQ(cast_vec<int8_t>(y, NURI_DTYPE_F32, NURI_DTYPE_I8),
            (std::vector<int8_t>{127, 127, -128, -128, 127}));
  const std::vector<float> z = {1e19f, -1e19f, -9223372036854775808.0f, 4611686018427387904.0f};
  EXPECT_EQ(cast_vec<int64_t>(z, NURI_DTYPE_F32, NURI_DTYPE_I64),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::min(), int64_t{1} << 62}));
  // f16 -2.46875 (0xC0F0) truncates to -2; f16 Inf saturates.
  const std::vector<uint16_t> h = {0xC0F0, 0x7C00};
  EXPECT_EQ(cast_vec<int32_t>(h, NURI_DTYPE_F16, NURI_DTYPE_I32), (std::vector<int32_t>{-2, kMax}));
}

TEST(Cast, Bool) {
  const std::vector<float> x = {0.0f, -0.0f, 0.5f, kNaN, -3.0f};
  EXPECT_EQ(cast_vec<uint8_t>(x, NURI_DTYPE_F32, NURI_DTYPE_BOOL),
            (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  const std::vector<int64_t> i = {0, -1, 256};
  EXPECT_EQ(cast_vec<uint8_t>(i, NURI_DTYPE_I64, NURI_DTYPE_BOOL), (std::vector<uint8_t>{0, 1, 1}));
  const std::vector<uint8_t> b = {0, 1, 2};  // any nonzero byte is true
  EXPECT_EQ(cast_vec<float>(b, NURI_DTYPE_BOOL, NURI_DTYPE_F32),
            (std::vector<float>{0.0f, 1.0f, 1.0f}));
  EXPECT_EQ(cast_vec<uint16_t>(b, NURI_DTYPE_BOOL, NURI_DTYPE_BF16),
            (std::vector<uint16_t>{0x0000, 0x3F80, 0x3F80}));
}

TEST(Cast, IntToFloatRoundsOnceToNearestEven) {
  const std::vector<int32_t> i = {16777217, 16777219, -16777217};
  EXPECT_EQ(cast_vec<float>(i, NURI_DTYPE_I32, NURI_DTYPE_F32),
            (std::vector<float>{16777216.0f, 16777220.0f, -16777216.0f}));
  // f16 spacing is 2 in [2048, 4096): 2049 ties to 2048, 2051 to 2052.
  const std::vector<int64_t> h = {65519, 65520, 2049, 2051, -70000};
  EXPECT_EQ(
      cast_vec<uint16_t>(h, NURI_DTYPE_I64, NURI_DTYPE_F16),
      (std::vector<uint16_t>{0x7BFF, 0x7C00, f32_to_f16(2048.0f), f32_to_f16(2052.0f), 0xFC00}));
  // bf16 spacing at 2^30 is 2^23. 2^30 + 2^22 + 1 is just above the midpoint: up. Going via
  // f32 with nearest rounding would land exactly on the midpoint and wrongly go down.
  const int64_t p30 = int64_t{1} << 30;
  const std::vector<int64_t> b = {p30 + (1 << 22) + 1, p30 + (1 << 22), 257, 259};
  const std::vector<float> expect = {static_cast<float>(p30 + (1 << 23)), static_cast<float>(p30),
                                     256.0f, 260.0f};
  const std::vector<uint16_t> got = cast_vec<uint16_t>(b, NURI_DTYPE_I64, NURI_DTYPE_BF16);
  for (size_t k = 0; k < b.size(); ++k) EXPECT_EQ(bf16_to_f32(got[k]), expect[k]) << k;
}

TEST(Cast, HalfToHalfAndIntWrap) {
  // f16 1 + 2^-10 is below bf16's 2^-8 midpoint: 1.0. f16 65504 rounds up to bf16 65536.
  const std::vector<uint16_t> h = {0x3C01, 0x7BFF};
  EXPECT_EQ(cast_vec<uint16_t>(h, NURI_DTYPE_F16, NURI_DTYPE_BF16),
            (std::vector<uint16_t>{0x3F80, 0x4780}));
  const std::vector<uint16_t> b = {0x4780, 0x3F81};  // 65536 -> f16 Inf; 1 + 2^-7 exact
  EXPECT_EQ(cast_vec<uint16_t>(b, NURI_DTYPE_BF16, NURI_DTYPE_F16),
            (std::vector<uint16_t>{0x7C00, 0x3C08}));
  const std::vector<int64_t> w = {300, -129, 127, -5};
  EXPECT_EQ(cast_vec<int8_t>(w, NURI_DTYPE_I64, NURI_DTYPE_I8),
            (std::vector<int8_t>{44, 127, 127, -5}));
  EXPECT_EQ(cast_vec<int64_t>(std::vector<int32_t>{-5, 7}, NURI_DTYPE_I32, NURI_DTYPE_I64),
            (std::vector<int64_t>{-5, 7}));
}

TEST(Cast, EveryPairPreservesSmallIntegers) {
  // Values exact in every numeric dtype: i64 -> from -> to -> i64 must return them.
  const std::vector<int64_t> vals = {0, 1, 2, 5, -3, 100, -128, 127};
  const std::vector<int64_t> bools = {0, 1, 1, 0};
  const nuri_dtype all[] = {NURI_DTYPE_F32, NURI_DTYPE_F16, NURI_DTYPE_BF16, NURI_DTYPE_I8,
                            NURI_DTYPE_I32, NURI_DTYPE_I64, NURI_DTYPE_BOOL};
  for (nuri_dtype from : all) {
    for (nuri_dtype to : all) {
      const bool boolish = from == NURI_DTYPE_BOOL || to == NURI_DTYPE_BOOL;
      const std::vector<int64_t>& v = boolish ? bools : vals;
      const auto n = static_cast<int64_t>(v.size());
      std::vector<uint8_t> a(v.size() * 8), b(v.size() * 8);
      std::vector<int64_t> back(v.size());
      cast(v.data(), NURI_DTYPE_I64, a.data(), from, n);
      cast(a.data(), from, b.data(), to, n);
      cast(b.data(), to, back.data(), NURI_DTYPE_I64, n);
      EXPECT_EQ(back, v) << "from " << from << " to " << to;
    }
  }
}

TEST(Cast, SameDtypeIsBitCopyAndBadDtypeThrows) {
  const std::vector<float> x = {kNaN, -0.0f, 1.5f};
  const std::vector<float> y = cast_vec<float>(x, NURI_DTYPE_F32, NURI_DTYPE_F32);
  EXPECT_EQ(std::memcmp(x.data(), y.data(), sizeof(float) * 3), 0);
  float out = 0;
  EXPECT_THROW(cast(x.data(), NURI_DTYPE_F32, &out, static_cast<nuri_dtype>(42), 1), Error);
  EXPECT_THROW(cast(x.data(), NURI_DTYPE_COUNT_, &out, NURI_DTYPE_F32, 1), Error);
}

}  // namespace
}  // namespace nuri::kernels
