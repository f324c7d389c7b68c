#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nuri/error.hpp"

namespace nuri::kernels {
namespace {

// Block sizes for the reference gemm: a KB x NB panel of B (256 KiB) stays in L2 while the
// MB rows of A stream over it; the C row segment (1 KiB) and B row segment stay in L1.
constexpr int64_t kBlockM = 64;
constexpr int64_t kBlockK = 256;
constexpr int64_t kBlockN = 256;

int64_t numel(Dims shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void check_dims_nonnegative(Dims shape, const char* context) {
  for (int64_t d : shape)
    if (d < 0) throw Error(std::string(context) + ": negative dimension in shape");
}

std::string shape_str(Dims shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Copies a row-major [rows, cols] matrix into its transpose [cols, rows].
std::vector<float> transposed(const float* src, int64_t rows, int64_t cols) {
  std::vector<float> dst(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[static_cast<size_t>(c * rows + r)] = src[r * cols + c];
  return dst;
}

bool ranges_overlap(const float* p, int64_t pn, const float* q, int64_t qn) {
  std::less<const float*> lt;
  return lt(p, q + qn) && lt(q, p + pn);
}

}  // namespace

void gemm_rowmajor(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k) {
  if (m < 0 || n < 0 || k < 0) throw Error("gemm_rowmajor: negative matrix dimension");
  std::fill(c, c + m * n, 0.0f);
  // i-k-j order inside blocks: the innermost loop streams a row of B into a row of C, and each
  // C element accumulates over k in ascending order (the same order as a naive dot product).
  for (int64_t j0 = 0; j0 < n; j0 += kBlockN) {
    const int64_t j1 = std::min(n, j0 + kBlockN);
    for (int64_t p0 = 0; p0 < k; p0 += kBlockK) {
      const int64_t p1 = std::min(k, p0 + kBlockK);
      for (int64_t i0 = 0; i0 < m; i0 += kBlockM) {
        const int64_t i1 = std::min(m, i0 + kBlockM);
        for (int64_t i = i0; i < i1; ++i) {
          float* crow = c + i * n;
          for (int64_t p = p0; p < p1; ++p) {
            const float aip = a[i * k + p];
            const float* brow = b + p * n;
            for (int64_t j = j0; j < j1; ++j) crow[j] += aip * brow[j];
          }
        }
      }
    }
  }
}

MatmulShape resolve_matmul_shape(Dims a_shape, Dims b_shape, Dims out_shape, const char* op) {
  const std::string what(op);
  if (a_shape.empty() || b_shape.empty()) throw Error(what + ": operands must have rank >= 1");
  check_dims_nonnegative(a_shape, op);
  check_dims_nonnegative(b_shape, op);
  const size_t ra = a_shape.size();
  const size_t rb = b_shape.size();
  MatmulShape s;
  // Rank-1 operands are promoted: a [K] -> [1,K], b [K] -> [K,1].
  s.m = ra == 1 ? 1 : a_shape[ra - 2];
  s.k = a_shape[ra - 1];
  const int64_t kb = rb == 1 ? b_shape[0] : b_shape[rb - 2];
  s.n = rb == 1 ? 1 : b_shape[rb - 1];
  if (s.k != kb)
    throw Error(what + ": inner dimensions differ, a " + shape_str(a_shape) + " b " +
                shape_str(b_shape));
  const Dims a_batch = ra > 2 ? a_shape.first(ra - 2) : Dims{};
  const Dims b_batch = rb > 2 ? b_shape.first(rb - 2) : Dims{};
  const auto batch = broadcast_shapes(a_batch, b_batch);
  if (!batch)
    throw Error(what + ": batch dimensions do not broadcast, a " + shape_str(a_shape) + " b " +
                shape_str(b_shape));
  std::vector<int64_t> expected = *batch;
  if (ra > 1) expected.push_back(s.m);
  if (rb > 1) expected.push_back(s.n);
  if (!std::equal(expected.begin(), expected.end(), out_shape.begin(), out_shape.end()))
    throw Error(what + ": output shape " + shape_str(out_shape) + " should be " +
                shape_str(expected));
  s.batch = *batch;
  s.a_strides = broadcast_strides(a_batch, s.batch);
  s.b_strides = broadcast_strides(b_batch, s.batch);
  s.batch_count = numel(s.batch);
  s.a_count = numel(a_batch);
  s.b_count = numel(b_batch);
  return s;
}

void matmul(const float* a, Dims a_shape, const float* b, Dims b_shape, float* out,
            Dims out_shape) {
  const MatmulShape s = resolve_matmul_shape(a_shape, b_shape, out_shape, "matmul");
  const int64_t m = s.m, n = s.n, k = s.k;
  if (s.batch_count == 0 || m * n == 0) return;
  // A shared B under an unbroadcast batch of A is one tall gemm.
  if (s.b_count == 1 && s.a_count == s.batch_count) {
    gemm_rowmajor(a, b, out, s.batch_count * m, n, k);
    return;
  }
  for_each_matmul_batch(s, [&](int64_t t, int64_t a_mat, int64_t b_mat) {
    gemm_rowmajor(a + a_mat * m * k, b + b_mat * k * n, out + t * m * n, m, n, k);
  });
}

void gemm(const float* a, const float* b, const float* c, Dims c_shape, float* y, int64_t m,
          int64_t n, int64_t k, bool trans_a, bool trans_b, float alpha, float beta) {
  if (m < 0 || n < 0 || k < 0) throw Error("gemm: negative matrix dimension");
  const std::vector<int64_t> mn = {m, n};
  if (c != nullptr) {
    check_dims_nonnegative(c_shape, "gemm");
    if (c_shape.size() > 2) throw Error("gemm: C must have rank <= 2, got " + shape_str(c_shape));
    const auto bc = broadcast_shapes(c_shape, mn);
    if (!bc || (*bc)[0] != m || (*bc)[1] != n)
      throw Error("gemm: C shape " + shape_str(c_shape) + " does not broadcast to " +
                  shape_str(mn));
  }
  if (m * n == 0) return;

  // The reference packs transposed operands to row-major and reuses gemm_rowmajor.
  std::vector<float> a_packed;
  std::vector<float> b_packed;
  if (trans_a) a_packed = transposed(a, k, m);
  if (trans_b) b_packed = transposed(b, n, k);
  const float* ar = trans_a ? a_packed.data() : a;
  const float* br = trans_b ? b_packed.data() : b;

  // Accumulate into a scratch buffer if Y would overwrite a C that is still to be read.
  std::vector<float> scratch;
  float* acc = y;
  if (c != nullptr && ranges_overlap(y, m * n, c, numel(c_shape))) {
    scratch.resize(static_cast<size_t>(m * n));
    acc = scratch.data();
  }
  gemm_rowmajor(ar, br, acc, m, n, k);

  if (c == nullptr) {
    for (int64_t i = 0; i < m * n; ++i) y[i] = alpha * acc[i];
    return;
  }
  // As the ONNX reference, beta * C is added whenever C is given (so NaN in C propagates).
  const std::vector<int64_t> cs = broadcast_strides(c_shape, mn);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      y[i * n + j] = alpha * acc[i * n + j] + beta * c[i * cs[0] + j * cs[1]];
}

}  // namespace nuri::kernels
