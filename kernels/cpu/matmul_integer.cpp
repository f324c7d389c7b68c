#include "kernels/cpu/matmul_integer.h"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu/matmul.h"
#include "kernels/cpu/quantize.h"
#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

int32_t element(const void* p, bool is_unsigned, int64_t i) {
  return is_unsigned ? static_cast<const uint8_t*>(p)[i] : static_cast<const int8_t*>(p)[i];
}

// The zero point of each of `count` rows (or columns): `want` entries or a broadcast scalar.
std::vector<int32_t> zero_points(const QuantOperand& q, int64_t want, const char* what) {
  std::vector<int32_t> zp(static_cast<size_t>(want), 0);
  if (q.zero_point == nullptr) return zp;
  if (q.zero_point_count != 1 && q.zero_point_count != want)
    throw Error(std::string("matmul_integer: ") + what + " zero point has " +
                std::to_string(q.zero_point_count) + " entries, expected 1 or " +
                std::to_string(want));
  for (int64_t i = 0; i < want; ++i)
    zp[i] = element(q.zero_point, q.is_unsigned, q.zero_point_count == 1 ? 0 : i);
  return zp;
}

// C[M,N] = (A - a_zp[row]) (B - b_zp[col]); operands widened once to int32 rows.
void gemm_integer(const QuantOperand& a, int64_t a_off, const QuantOperand& b, int64_t b_off,
                  const std::vector<int32_t>& a_zp, const std::vector<int32_t>& b_zp, int32_t* c,
                  int64_t m, int64_t n, int64_t k) {
  std::vector<int32_t> bw(static_cast<size_t>(k * n));
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j)
      bw[p * n + j] = element(b.data, b.is_unsigned, b_off + p * n + j) - b_zp[j];
  std::vector<uint32_t> acc(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(acc.begin(), acc.end(), 0u);
    for (int64_t p = 0; p < k; ++p) {
      const auto av =
          static_cast<uint32_t>(element(a.data, a.is_unsigned, a_off + i * k + p) - a_zp[i]);
      const int32_t* brow = bw.data() + p * n;
      // Unsigned arithmetic: the int32 accumulator wraps instead of overflowing (UB).
      for (int64_t j = 0; j < n; ++j) acc[j] += av * static_cast<uint32_t>(brow[j]);
    }
    for (int64_t j = 0; j < n; ++j) c[i * n + j] = static_cast<int32_t>(acc[j]);
  }
}

}  // namespace

void matmul_integer(const QuantOperand& a, Dims a_shape, const QuantOperand& b, Dims b_shape,
                    int32_t* out, Dims out_shape) {
  const MatmulShape s = resolve_matmul_shape(a_shape, b_shape, out_shape, "matmul_integer");
  const int64_t m = s.m, n = s.n, k = s.k;
  const std::vector<int32_t> a_zp = zero_points(a, m, "a"), b_zp = zero_points(b, n, "b");
  if (s.batch_count == 0 || m * n == 0) return;
  for_each_matmul_batch(s, [&](int64_t t, int64_t a_mat, int64_t b_mat) {
    gemm_integer(a, a_mat * m * k, b, b_mat * k * n, a_zp, b_zp, out + t * m * n, m, n, k);
  });
}

void requantize(const int32_t* acc, int64_t batch, int64_t m, int64_t n, const Requantize& q,
                void* y) {
  if (batch < 0 || m < 0 || n < 0) throw Error("requantize: negative extent");
  if ((q.a_count != 1 && q.a_count != m) || (q.b_count != 1 && q.b_count != n))
    throw Error("requantize: scales have " + std::to_string(q.a_count) + " and " +
                std::to_string(q.b_count) + " entries for a [" + std::to_string(m) + ", " +
                std::to_string(n) + "] product");
  const float lo = q.y_unsigned ? 0.0f : -128.0f, hi = q.y_unsigned ? 255.0f : 127.0f;
  const auto zp = static_cast<float>(q.y_zero_point);
  for (int64_t t = 0; t < batch; ++t)
    for (int64_t i = 0; i < m; ++i) {
      const float as = q.a_scale[q.a_count == 1 ? 0 : i];
      for (int64_t j = 0; j < n; ++j) {
        const int64_t at = (t * m + i) * n + j;
        const float mult = as * q.b_scale[q.b_count == 1 ? 0 : j] / q.y_scale;
        const float v = saturate(round_half_even(static_cast<float>(acc[at]) * mult) + zp, lo, hi);
        if (q.y_unsigned)
          static_cast<uint8_t*>(y)[at] = static_cast<uint8_t>(v);
        else
          static_cast<int8_t*>(y)[at] = static_cast<int8_t>(v);
      }
    }
}

}  // namespace nuri::kernels
