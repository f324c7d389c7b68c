// MatMulInteger / QLinearMatMul kernels against hand values and a naive int64 reference.
#include "kernels/cpu/matmul_integer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

using Shape = std::vector<int64_t>;

template <typename T>
QuantOperand operand(const std::vector<T>& data, const std::vector<T>* zp = nullptr) {
  QuantOperand q;
  q.data = data.data();
  q.is_unsigned = std::is_same_v<T, uint8_t>;
  if (zp) {
    q.zero_point = zp->data();
    q.zero_point_count = static_cast<int64_t>(zp->size());
  }
  return q;
}

TEST(MatMulInteger, HandValuesU8S8WithZeroPoints) {
  // A [2,3] uint8 with zero point 100, B [3,2] int8 with per-column zero points {1, -1}.
  const std::vector<uint8_t> a = {101, 102, 103, 100, 255, 0};
  const std::vector<uint8_t> a_zp = {100};
  const std::vector<int8_t> b = {1, -1, 2, 0, 3, 1};
  const std::vector<int8_t> b_zp = {1, -1};
  std::vector<int32_t> out(4);
  const Shape as{2, 3}, bs{3, 2}, os{2, 2};
  matmul_integer(operand(a, &a_zp), as, operand(b, &b_zp), bs, out.data(), os);
  // (A - 100) = [[1,2,3],[0,155,-100]], (B - zp) = [[0,0],[1,1],[2,2]].
  EXPECT_EQ(out, (std::vector<int32_t>{8, 8, -45, -45}));
}

TEST(MatMulInteger, PerRowZeroPointOfA) {
  const std::vector<int8_t> a = {5, 5, -7, -7};  // [2, 2]
  const std::vector<int8_t> a_zp = {4, -8};      // per row
  const std::vector<int8_t> b = {1, 2};          // [2, 1]
  std::vector<int32_t> out(2);
  const Shape as{2, 2}, bs{2, 1}, os{2, 1};
  matmul_integer(operand(a, &a_zp), as, operand(b), bs, out.data(), os);
  EXPECT_EQ(out, (std::vector<int32_t>{3, 3}));  // row 0: 1*1+1*2; row 1: 1*1+1*2
}

// Every signedness combination, batched with a broadcast B, against a naive int64 loop.
template <typename TA, typename TB>
void check_against_naive(uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> ua(std::numeric_limits<TA>::min(),
                                        std::numeric_limits<TA>::max());
  std::uniform_int_distribution<int> ub(std::numeric_limits<TB>::min(),
                                        std::numeric_limits<TB>::max());
  const int64_t batch = 3, m = 7, k = 300, n = 9;
  std::vector<TA> a(batch * m * k), a_zp(m);
  std::vector<TB> b(k * n), b_zp(n);
  for (auto& v : a) v = static_cast<TA>(ua(rng));
  for (auto& v : a_zp) v = static_cast<TA>(ua(rng));
  for (auto& v : b) v = static_cast<TB>(ub(rng));
  for (auto& v : b_zp) v = static_cast<TB>(ub(rng));
  std::vector<int32_t> out(batch * m * n);
  const Shape as{batch, m, k}, bs{k, n}, os{batch, m, n};
  matmul_integer(operand(a, &a_zp), as, operand(b, &b_zp), bs, out.data(), os);
  for (int64_t t = 0; t < batch; ++t)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t want = 0;
        for (int64_t p = 0; p < k; ++p)
          want += (int64_t{a[(t * m + i) * k + p]} - a_zp[i]) * (int64_t{b[p * n + j]} - b_zp[j]);
        ASSERT_EQ(out[(t * m + i) * n + j], want) << t << " " << i << " " << j;
      }
}

TEST(MatMulInteger, AllSignednessCombinationsMatchNaive) {
  check_against_naive<uint8_t, int8_t>(1);
  check_against_naive<int8_t, int8_t>(2);
  check_against_naive<uint8_t, uint8_t>(3);
  check_against_naive<int8_t, uint8_t>(4);
}

TEST(MatMulInteger, RejectsMismatchedShapesAndZeroPoints) {
  const std::vector<int8_t> a(6), b(6), zp3(3);
  std::vector<int32_t> out(4);
  const Shape a23{2, 3}, b23{2, 3}, b32{3, 2}, o22{2, 2};
  EXPECT_THROW(matmul_integer(operand(a), a23, operand(b), b23, out.data(), o22), Error);
  // A has 2 rows: a 3-entry zero point fits neither per tensor nor per row.
  EXPECT_THROW(matmul_integer(operand(a, &zp3), a23, operand(b), b32, out.data(), o22), Error);
}

TEST(Requantize, RoundsHalfToEvenAddsZeroPointSaturates) {
  // multiplier 0.5 * 1 / 1 = 0.5: acc 1 -> 0.5 -> 0, 3 -> 1.5 -> 2, -3 -> -2, 600 -> 300 sat.
  const std::vector<int32_t> acc = {1, 3, -3, 600, -600};
  const float as = 0.5f, bs = 1.0f;
  Requantize q;
  q.a_scale = &as;
  q.b_scale = &bs;
  q.y_scale = 1.0f;
  q.y_zero_point = 10;
  q.y_unsigned = true;
  std::vector<uint8_t> y(5);
  requantize(acc.data(), 1, 1, 5, q, y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{10, 12, 8, 255, 0}));
  q.y_unsigned = false;
  q.y_zero_point = -1;
  std::vector<int8_t> s(5);
  requantize(acc.data(), 1, 1, 5, q, s.data());
  EXPECT_EQ(s, (std::vector<int8_t>{-1, 1, -3, 127, -128}));
}

TEST(Requantize, PerRowAndPerColumnScales) {
  const std::vector<int32_t> acc = {10, 10, 10, 10};  // [2, 2]
  const std::vector<float> as = {1.0f, 2.0f}, bs = {0.5f, 0.25f};
  Requantize q;
  q.a_scale = as.data();
  q.a_count = 2;
  q.b_scale = bs.data();
  q.b_count = 2;
  q.y_scale = 0.5f;
  std::vector<int8_t> y(4);
  requantize(acc.data(), 1, 2, 2, q, y.data());
  // 10 * a * b / 0.5: 10, 5, 20, 10.
  EXPECT_EQ(y, (std::vector<int8_t>{10, 5, 20, 10}));
}

}  // namespace
}  // namespace nuri::kernels
